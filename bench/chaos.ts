import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readlink, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { projectRoot } from "../loaders/config.ts";
import { createProject } from "../test/util/project.ts";
import { SMALL_SEED } from "../test/util/site.ts";
import { whole } from "./util.ts";

/**
 * `npm run bench -- chaos [--kills N] [--seed S] [--only a,b] [--keep]`
 *
 * The fault campaign: in a throwaway project with a small seeded study, a directory remote and a built site, each of
 * ingest, run, pin, gc, push and build is killed N times with SIGKILL at a random moment of its run (fixed seed),
 * either node alone or its whole process group. After each kill: `verify` must find no problem, a site must be in
 * place (or be put back), the same command run again must succeed, and no debris may be left (temp files, a lock,
 * remote temp uploads) once it has. It prints a table: trials, how many were killed before they finished, how many
 * left debris that a later command swept, and how many held.
 */

export interface ChaosProject {
  root: string;
  env: Record<string, string>;
}

export interface ChaosCommand {
  name: string;
  /** The arguments of one run; `random` varies them between runs. */
  args(random: () => number): string[];
  /** Run before each trial, e.g. to give push something to upload. */
  prepare?(): Promise<void>;
}

export interface Trial {
  command: string;
  mode: "node" | "group";
  killed: boolean;
  /** What verify listed as debris right after the kill. */
  debris: number;
  /** How long the command ran when it finished before its kill (ms). */
  ran?: number;
  problems: string[];
}

/** A small deterministic PRNG (mulberry32): the same seed, the same kill moments. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BIN = path.join(projectRoot, "bin", "labbook.js");

/** Runs labbook in the project, in a process group of its own. */
function start(project: ChaosProject, args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: project.root,
    env: { ...process.env, ...project.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return { pid: child.pid!, done };
}

export async function cli(project: ChaosProject, args: string[]) {
  const { pid, done } = start(project, args);
  const result = await done;
  await groupGone(pid, 30_000);
  return result;
}

/** Waits until no process of the group is left; kills what is left after `ms` and returns false. */
async function groupGone(pgid: number, ms: number): Promise<boolean> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (!alive()) return true;
  if (alive()) process.kill(-pgid, "SIGKILL");
  return false;
}

/**
 * The processes whose working directory is the project root: labbook, and Framework and the loaders it runs, which
 * are in a process group of their own. Linux only (/proc); elsewhere none are seen.
 */
async function processesIn(root: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await readlink(`/proc/${entry}/cwd`).catch(() => undefined)) === root) out.push(Number(entry));
  }
  return out;
}

/** Waits until no process runs in the project root; kills what is left after `ms` and returns false. */
async function projectIdle(root: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100))
    if ((await processesIn(root)).length === 0) return true;
  for (const pid of await processesIn(root)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}

/** Every temp file or lock a killed command may leave, relative to the project root. */
export async function leftovers(project: ChaosProject): Promise<string[]> {
  const { root } = project;
  const list = async (dir: string) => (await readdir(path.join(root, dir)).catch(() => [])).map((f) => `${dir}/${f}`);
  const out = [
    ...(await list("data/tmp")).filter((f) => f !== "data/tmp/duckdb"),
    ...(await list("data/tmp/duckdb")),
    ...(await list("remote/tmp")),
    ...(await list("data")).filter((f) => f.endsWith(".tmp") || f.endsWith(".lock")),
    ...(await list("lineage")).filter((f) => f.endsWith(".tmp")),
    ...(await readdir(root)).filter((f) => f.startsWith(".dist.")),
    // What a killed Framework was writing into the loader cache (an output with its pid, or ".err").
    ...(await readdir(path.join(root, "src", ".observablehq", "cache"), { recursive: true }).catch(() => []))
      .map((f) => `src/.observablehq/cache/${f}`)
      .filter((f) => /\.[A-Za-z][A-Za-z0-9]*\.\d+(\.err)?$/.test(f)),
  ];
  for (const dataset of await list("lineage")) out.push(...(await list(dataset)).filter((f) => f.endsWith(".tmp")));
  return out.sort();
}

/** One kill of `command` at a random moment within `window` ms, then the checks. */
async function trial(
  project: ChaosProject,
  command: ChaosCommand,
  mode: Trial["mode"],
  window: number,
  random: () => number,
): Promise<Trial> {
  await command.prepare?.();
  const args = command.args(random);
  const began = performance.now();
  const { pid, done } = start(project, args);
  const finished = await Promise.race([done.then(() => true), sleep(window * random()).then(() => false)]);
  const ran = finished ? performance.now() - began : undefined;
  if (!finished) {
    try {
      process.kill(mode === "group" ? -pid : pid, "SIGKILL");
    } catch {
      // It ended on its own in the meantime.
    }
  }
  await done;
  const problems: string[] = [];
  // Killed alone, node leaves its children (Framework, a loader, pg_ctl) running: they must finish or die by themselves.
  if (!(await groupGone(pid, 60_000))) problems.push("children outlived the kill by a minute");
  // Framework runs in a group of its own: it and its loaders must die with the build, not finish on their own.
  if (!(await projectIdle(project.root, 10_000))) problems.push("Framework or a loader outlived the kill by 10 s");
  const verify = await cli(project, ["verify", "--json"]);
  let debris = 0;
  try {
    const result = JSON.parse(verify.stdout) as { ok: boolean; problems: { detail: string }[]; debris: unknown[] };
    debris = result.debris.length;
    for (const p of result.problems) problems.push(`verify: ${p.detail}`);
  } catch {
    problems.push(`verify exited ${verify.code}: ${verify.stderr.trim().split("\n")[0]}`);
  }
  if (command.name === "build" && !(await siteInPlace(project.root))) problems.push("no site in dist/ nor beside it");
  const next = await cli(project, args);
  if (next.code !== 0)
    problems.push(`the next ${command.name} exited ${next.code}: ${next.stderr.trim().split("\n")[0]}`);
  let left = await leftovers(project);
  // What the next command did not sweep (it may take no store lock), gc must.
  if (left.length) {
    await cli(project, ["gc", "--keep-last", "1000"]);
    left = await leftovers(project);
  }
  if (left.length) problems.push(`debris: ${left.join(", ")}`);
  return { command: command.name, mode, killed: !finished, debris, problems, ...(ran === undefined ? {} : { ran }) };
}

/** dist/ holds a site, or a kill between the two renames left one beside it that the next command puts back. */
async function siteInPlace(root: string): Promise<boolean> {
  if (existsSync(path.join(root, "dist", "index.html"))) return true;
  const siblings = (await readdir(root)).filter((f) => /^\.dist\.(ready|old)-/.test(f));
  return siblings.some((s) => existsSync(path.join(root, s, "index.html")));
}

/**
 * Kills each command `kills` times (trials that end before their kill are run again, up to 2 × kills trials),
 * alternating node alone and the whole group. `windows` gives each command's
 * unkilled duration (ms): the kill comes uniformly within it. A trial that finished first shortens its command's
 * window to the time it took: the measured run (a first build of the campaign, on a busy machine) can take several
 * times as long as the runs of the trials, which then mostly end before their kill.
 */
export async function runChaos(
  project: ChaosProject,
  commands: ChaosCommand[],
  options: { kills: number; seed: number; windows: Record<string, number>; log?: (line: string) => void },
): Promise<Trial[]> {
  const random = prng(options.seed);
  const trials: Trial[] = [];
  for (const command of commands) {
    // Until the command was really killed `kills` times: a trial whose command finished before its kill counts as a
    // trial, not a kill. At most twice as many trials, so that a command too quick to kill still ends.
    let killed = 0;
    let window = options.windows[command.name]!;
    for (let i = 0; killed < options.kills && i < 2 * options.kills; i++) {
      const mode = i % 2 === 0 ? "node" : "group";
      const t = await trial(project, command, mode, window * 1.1, random);
      trials.push(t);
      if (t.killed) killed++;
      else if (t.ran !== undefined) window = Math.min(window, t.ran);
      options.log?.(
        `chaos: ${command.name} #${i + 1} (${mode}) ${t.killed ? "killed" : "finished first"}` +
          `${t.debris ? `, ${t.debris} debris` : ""}: ${t.problems.length ? t.problems.join("; ") : "held"}`,
      );
    }
  }
  return trials;
}

export function chaosTable(trials: Trial[]): string {
  const names = [...new Set(trials.map((t) => t.command))];
  const rows = names.map((name) => {
    const of = trials.filter((t) => t.command === name);
    return [
      name,
      of.length,
      of.filter((t) => t.killed).length,
      of.filter((t) => t.debris > 0).length,
      of.filter((t) => !t.problems.length).length,
      of.filter((t) => t.problems.length).length,
    ];
  });
  const all = ["all", ...[1, 2, 3, 4, 5].map((i) => rows.reduce((n, r) => n + Number(r[i]), 0))];
  const head = ["command", "trials", "killed", "left debris", "held", "failed"];
  const widths = head.map((h, i) => Math.max(h.length, ...[...rows, all].map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => r.map((c, i) => String(c).padEnd(widths[i]!)).join("  ");
  return [line(head), ...rows.map(line), line(all)].join("\n");
}

/** The six commands of the campaign, in a project with a directory remote at <root>/remote. */
export function campaignCommands(project: ChaosProject): ChaosCommand[] {
  return [
    {
      name: "ingest",
      args: (random) => ["ingest", "behavioral_events", "--days", String(1 + Math.floor(random() * SMALL_SEED.days))],
    },
    { name: "run", args: () => ["run", "--force"] },
    { name: "pin", args: () => ["pin", "default", "--all"] },
    { name: "gc", args: () => ["gc", "--keep-last", "2"] },
    {
      name: "push",
      args: () => ["push"],
      // An empty remote each time, so the push has every object to upload.
      prepare: () => rm(path.join(project.root, "remote"), { recursive: true, force: true }),
    },
    {
      name: "build",
      args: () => ["build"],
      // No recorded fingerprints, so every loader runs again: the kill lands while Framework runs loaders, as it
      // would after a re-pin, rather than in a build that only re-runs the build stamp.
      prepare: () =>
        rm(path.join(project.root, "src", ".observablehq", "cache", "labbook-fingerprints.json"), { force: true }),
    },
  ];
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      kills: { type: "string" },
      seed: { type: "string" },
      only: { type: "string" },
      keep: { type: "boolean" },
    },
  });
  const kills = whole(values.kills, 20, "kills");
  const seed = whole(values.seed, 15, "seed");
  const site = await createProject({ site: "demo" });
  const project: ChaosProject = {
    root: site.root,
    env: { ...site.env, LABBOOK_REMOTE: path.join(site.root, "remote") },
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const must = async (a: string[]) => {
    const r = await cli(project, a);
    if (r.code !== 0) throw new Error(`labbook ${a.join(" ")} exited ${r.code}:\n${r.stderr}`);
  };
  try {
    log("chaos: seeding a small study, ingesting, running, pinning and building once (not part of the trials)");
    // Persistent, so a killed group never takes the database server with it.
    await must(["db", "start"]);
    await must([
      "seed",
      "--users",
      String(SMALL_SEED.users),
      "--days",
      String(SMALL_SEED.days),
      "--events",
      String(SMALL_SEED.events),
    ]);
    const commands = campaignCommands(project).filter((c) => !values.only || values.only.split(",").includes(c.name));
    await must(["ingest", "--all"]);
    await must(["run"]);
    await must(["pin", "default", "--all"]);
    const windows: Record<string, number> = {};
    for (const c of commands) {
      await c.prepare?.();
      const started = performance.now();
      await must(c.args(() => 0.5));
      windows[c.name] = performance.now() - started;
      log(`chaos: ${c.name} takes ${(windows[c.name]! / 1000).toFixed(1)} s unkilled`);
    }
    const started = performance.now();
    const trials = await runChaos(project, commands, { kills, seed, windows, log });
    const failed = trials.filter((t) => t.problems.length);
    process.stdout.write(
      `chaos: ${trials.length} kill -9 trials (seed ${seed}), ${((performance.now() - started) / 1000).toFixed(0)} s\n` +
        `${chaosTable(trials)}\n`,
    );
    for (const t of failed) process.stdout.write(`  FAILED ${t.command} (${t.mode}): ${t.problems.join("; ")}\n`);
    if (failed.length) process.exitCode = 1;
  } finally {
    await cli(project, ["db", "stop"]).catch(() => {});
    if (values.keep) log(`chaos: kept ${project.root}`);
    else await site.remove();
  }
}
