import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, projectRoot } from "../../loaders/config.ts";
import { embeddedStatus, shareDataDir, startEmbedded, stopEmbedded } from "../../loaders/sources/embedded.ts";
import { connect } from "../../loaders/sources/postgres.ts";

const moduleUrl = (file: string) => JSON.stringify(pathToFileURL(path.join(projectRoot, "loaders", file)).href);

// A labbook process that connects as a command does and closes when its stdin ends, so a test decides who is last.
const HOLDER = `
const { connect } = await import(${moduleUrl("sources/postgres.ts")});
const { loadConfig } = await import(${moduleUrl("config.ts")});
const { stderrLogger } = await import(${moduleUrl("log.ts")});
const db = await connect(loadConfig(), { log: stderrLogger() });
process.stdout.write("connected\\n");
process.stdin.resume();
process.stdin.on("end", () => void db.close());
`;

interface Holder {
  pid: number;
  stderr(): string;
  /** Closes its connection and resolves with its exit code. */
  close(): Promise<number | null>;
}

const children = new Set<ChildProcess>();

function hold(env: Record<string, string>): Promise<Holder> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", HOLDER], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  void exited.then(() => children.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.includes("connected\n")) {
        resolve({
          pid: child.pid!,
          stderr: () => stderr,
          close() {
            child.stdin.end();
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`holder exited with ${code} before connecting: ${stderr}`)));
  });
}

describe("connect and close on the embedded server: the last labbook process out stops an on-demand server", () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "labbook-test-close-"));
    // As root the server runs as the postgres user, which must be able to reach the cluster.
    await shareDataDir(dataDir);
    env = { DATABASE_URL: "", LABBOOK_DATA_DIR: dataDir };
  });
  afterEach(async () => {
    for (const child of children) child.kill("SIGKILL");
    await stopEmbedded(dataDir).catch(() => {});
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps the server up for another process when the starter finishes first, and that one stops it", async () => {
    const a = await hold(env);
    expect(a.stderr()).toContain("embedded PostgreSQL: started on 127.0.0.1:");
    const b = await hold(env);
    expect(b.stderr()).not.toContain("started on");
    const server = await embeddedStatus(dataDir);
    expect(server).toMatchObject({ running: true, mode: "on-demand", clients: [a.pid, b.pid].sort((x, y) => x - y) });

    expect(await a.close()).toBe(0);
    expect(await embeddedStatus(dataDir)).toMatchObject({ running: true, pid: server.pid, clients: [b.pid] });
    expect(await b.close()).toBe(0);
    expect((await embeddedStatus(dataDir)).running).toBe(false);
    expect(a.stderr()).not.toContain("embedded PostgreSQL: stopped");
    expect(b.stderr()).toContain("embedded PostgreSQL: stopped");
  });

  it("lets the starter stop it when the starter is the last one out", async () => {
    const a = await hold(env);
    const b = await hold(env);
    const { pid } = await embeddedStatus(dataDir);
    expect(await b.close()).toBe(0);
    expect(await embeddedStatus(dataDir)).toMatchObject({ running: true, pid, clients: [a.pid] });
    expect(await a.close()).toBe(0);
    expect((await embeddedStatus(dataDir)).running).toBe(false);
    expect(a.stderr()).toContain("embedded PostgreSQL: stopped");
    expect(b.stderr()).not.toContain("embedded PostgreSQL: stopped");
  });

  it("counts a second connection of the same process: only its last close stops the server", async () => {
    const config = loadConfig({ ...process.env, ...env });
    const first = await connect(config);
    const second = await connect(config);
    try {
      await first.close();
      expect(await embeddedStatus(dataDir)).toMatchObject({ running: true, clients: [process.pid] });
      expect((await second.sql`SELECT 1 AS one`)[0]).toEqual({ one: 1 });
    } finally {
      await first.close();
      await second.close();
    }
    expect((await embeddedStatus(dataDir)).running).toBe(false);
  });

  it("never stops a persistent server, and turns an on-demand one persistent", async () => {
    await startEmbedded(dataDir, undefined, "persistent");
    const { pid } = await embeddedStatus(dataDir);
    const a = await hold(env);
    expect(await a.close()).toBe(0);
    expect(await embeddedStatus(dataDir)).toMatchObject({ running: true, pid, mode: "persistent", clients: [] });
    expect(await stopEmbedded(dataDir)).toBe(true);

    const b = await hold(env);
    expect((await embeddedStatus(dataDir)).mode).toBe("on-demand");
    const server = await startEmbedded(dataDir, undefined, "persistent");
    expect(server).toMatchObject({ started: false, mode: "persistent" });
    expect(await b.close()).toBe(0);
    expect(await embeddedStatus(dataDir)).toMatchObject({ running: true, mode: "persistent" });
  });

  it("a starter killed while the server starts leaves it on demand: the next labbook process out stops it", async () => {
    // A cluster that exists and is stopped, so the child gets straight to starting it.
    await startEmbedded(dataDir, undefined, "on-demand");
    await stopEmbedded(dataDir);
    // Killed (node alone, as kill -9 does) once it has handed the start to pg_ctl, which goes on without it. The
    // start can take less than a poll of /proc on a busy machine: a starter that finished first is another try.
    let killed = false;
    for (let attempt = 0; attempt < 20 && !killed; attempt++) {
      const starter = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `const { startEmbedded } = await import(${moduleUrl("sources/embedded.ts")});
           await startEmbedded(${JSON.stringify(dataDir)}, undefined, "on-demand");`,
        ],
        { cwd: projectRoot, stdio: "ignore" },
      );
      children.add(starter);
      let exited = false;
      starter.once("exit", () => (exited = true));
      while (!exited && !(await childrenNamed(starter.pid!, "pg_ctl")).length)
        await new Promise((r) => setTimeout(r, 2));
      if (exited) {
        await stopEmbedded(dataDir);
        continue;
      }
      starter.kill("SIGKILL");
      killed = true;
    }
    expect(killed, "no starter was caught while pg_ctl ran, in 20 tries").toBe(true);
    let status = await embeddedStatus(dataDir);
    for (let i = 0; i < 600 && !status.running; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await embeddedStatus(dataDir);
    }
    expect(status).toMatchObject({ running: true, mode: "on-demand" });
    const a = await hold(env);
    expect(await a.close()).toBe(0);
    expect((await embeddedStatus(dataDir)).running).toBe(false);
  });
});

/** Pids of the processes named `name` whose parent is `ppid`, from /proc. */
async function childrenNamed(ppid: number, name: string): Promise<number[]> {
  const { readdir, readFile } = await import("node:fs/promises");
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid …; comm may hold spaces, so split after its closing parenthesis.
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppidOf = Number(stat.slice(close + 2).split(" ")[1]);
    if (comm === name && ppidOf === ppid) out.push(Number(entry));
  }
  return out;
}
