import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, readlink, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, projectRoot } from "../../loaders/config.ts";
import { pin } from "../../loaders/lineage/pin.ts";
import { makeVersion, protocolsSql, createProject, type TestProject } from "../util/project.ts";
import { filesUnder } from "../util/site.ts";

// A build runs Framework and its loaders: generous on a shared 2-core machine (durations are never asserted).
const BUILD_TIMEOUT = 120_000;

/** The pids of the processes whose working directory is `dir`: labbook, Framework and the loaders all run there. */
async function processesIn(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => undefined);
    if (cwd === dir) out.push(Number(entry));
  }
  return out;
}

/** A loader of the site, importing labbook's defineLoader from the project's loaders/. */
const loader = (body: string) =>
  `import { defineLoader } from "../loaders/site/loader.ts";\n` +
  `export default defineLoader({ reads: ["experiment_protocols"] }, async (ctx) => {\n${body}\n});\n`;

const page = (name: string) =>
  `# ${name}\n\n\`\`\`js\nconst data = FileAttachment("${name}.json").json();\n\`\`\`\n\n\${JSON.stringify(data)}\n`;

/** The built copy of a loader output (Framework names it `<name>.<hash>.json` under _file/). */
async function built(dist: string, name: string): Promise<string> {
  const file = (await filesUnder(path.join(dist, "_file"))).find((f) => f.startsWith(`${name}.`));
  if (!file) throw new Error(`no built ${name}.json`);
  return readFile(path.join(dist, "_file", file), "utf8");
}

/**
 * A build killed with SIGKILL (which labbook cannot trap) takes Framework and its loaders with it, and what a loader
 * of another build leaves in Framework's cache is never used under this build's pins.
 */
describe("a killed build", () => {
  let project: TestProject;
  let version: string;
  const src = (f: string) => path.join(project.root, "src", f);
  const cache = (f: string) => path.join(project.root, "src", ".observablehq", "cache", f);
  const dist = () => path.join(project.root, "dist");

  beforeAll(async () => {
    project = await createProject({ site: "empty" });
    const config = loadConfig(project.env, project.root);
    version = await makeVersion(config, "experiment_protocols", protocolsSql(7), Date.UTC(2025, 0, 1));
    await pin(config, "default", "all");
    await writeFile(src("index.md"), page("fresh"));
    await writeFile(src("fresh.json.ts"), loader("  return { version: ctx.pins.experiment_protocols };"));
    const first = await project.cli(["build", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(await built(dist(), "fresh"))).toEqual({ version });
  }, BUILD_TIMEOUT);

  afterAll(() => project?.remove());

  it(
    "takes Framework and the loader it runs with it, and leaves nothing of theirs in the cache",
    async () => {
      const marker = path.join(project.root, "slow-started");
      await writeFile(src("slow.md"), page("slow"));
      await writeFile(
        src("slow.json.ts"),
        loader(
          `  const { writeFileSync } = await import("node:fs");\n` +
            `  writeFileSync(${JSON.stringify(marker)}, String(process.pid));\n` +
            `  await new Promise((resolve) => setTimeout(resolve, 60_000));\n  return { slow: true };`,
        ),
      );
      // Its own group, as from a shell: the kill reaches labbook alone, as `kill -9 <pid>` would.
      const child = spawn(process.execPath, [path.join(projectRoot, "bin", "labbook.js"), "build"], {
        cwd: project.root,
        env: { ...process.env, ...project.env },
        stdio: "ignore",
        detached: true,
      });
      const exited = new Promise((resolve) => child.on("exit", resolve));
      while (!existsSync(marker)) {
        expect(child.exitCode, "the build ended before its slow loader started").toBeNull();
        await sleep(50);
      }
      const loaderPid = Number(await readFile(marker, "utf8"));
      child.kill("SIGKILL");
      await exited;
      let left = await processesIn(project.root);
      for (let i = 0; i < 100 && left.length; i++) {
        await sleep(100);
        left = await processesIn(project.root);
      }
      // Whatever the outcome, nothing of this test outlives it.
      for (const pid of left) process.kill(pid, "SIGKILL");
      expect(left, "processes of the killed build still running").toEqual([]);
      expect(left).not.toContain(loaderPid);
      expect(existsSync(cache("slow.json"))).toBe(false);
      await rm(src("slow.md"));
      await rm(src("slow.json.ts"));
      await rm(marker);
    },
    BUILD_TIMEOUT,
  );

  it(
    "never uses a cached output that this build's loader did not make, however fresh it looks",
    async () => {
      // What a killed build's Framework, still running, renames into the cache after the last build: other data,
      // newer than the loader file, under the fingerprint the last build recorded.
      await writeFile(cache("fresh.json"), JSON.stringify({ version: "stale" }));
      const later = new Date(Date.now() + 60_000);
      await utimes(cache("fresh.json"), later, later);
      const again = await project.cli(["build", "--json"]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).rerun).toContain("fresh.json.ts");
      expect(JSON.parse(await built(dist(), "fresh"))).toEqual({ version });
    },
    BUILD_TIMEOUT,
  );

  it(
    "fails, leaving the site as it was, when such an output lands in the cache while it runs",
    async () => {
      const before = await built(dist(), "fresh");
      // Stands in for another build's loader: it overwrites fresh.json in the cache while this build runs.
      await writeFile(src("intruder.md"), page("intruder"));
      await writeFile(
        src("intruder.json.ts"),
        loader(
          `  const { writeFileSync } = await import("node:fs");\n` +
            `  writeFileSync(${JSON.stringify(cache("fresh.json"))}, '{"version":"stale"}');\n  return {};`,
        ),
      );
      const result = await project.cli(["build", "--json"]);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).error).toMatchObject({ code: "E_PIPELINE" });
      expect(result.stderr).toMatch(/not made by this build: fresh\.json/);
      expect(await built(dist(), "fresh")).toBe(before);
      await rm(src("intruder.md"));
      await rm(src("intruder.json.ts"));
      const next = await project.cli(["build", "--json"]);
      expect(next.code, next.stderr).toBe(0);
      expect(JSON.parse(await built(dist(), "fresh"))).toEqual({ version });
    },
    BUILD_TIMEOUT,
  );
});
