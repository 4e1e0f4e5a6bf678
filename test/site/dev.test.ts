import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../loaders/config.ts";
import { writePins } from "../../loaders/lineage/pins.ts";
import { makeVersion, protocolsSql, createProject, type TestProject } from "../util/project.ts";
const T0 = Date.parse("2025-07-01T00:00:00Z");
// Framework's first load of a page starts its loaders: generous on a shared 2-core machine (never asserted).
const WAIT = 60_000;

let output = "";

/** Polls `fn` until it returns something other than undefined, or fails naming `what` after WAIT ms. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, exited: () => string | undefined) {
  const until = Date.now() + WAIT;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    const gone = exited();
    if (gone) throw new Error(`labbook dev exited while waiting for ${what}: ${gone}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; labbook dev said:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A port nothing listens on now, on loopback. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `labbook dev` on a small site: a SQL loader, and a TypeScript loader that imports a module of the site. Editing
 * either shows the new number on the next fetch of the data file; adding a page runs only its own loader; Ctrl-C
 * stops it quietly.
 */
describe("labbook dev", () => {
  let project: TestProject;
  let child: ChildProcess;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let base = "";
  const src = (file: string) => path.join(project.root, "src", file);
  const exited = () => exit && `exit ${exit.code ?? exit.signal}\n${output}`;
  let last = "";
  const json = async (file: string) => {
    const res = await fetch(`${base}/_file/${file}`);
    last = `${res.status} ${await res.clone().text()}`;
    if (!res.ok) return undefined;
    // A SQL loader gives its rows, a TypeScript loader here one object.
    const value = (await res.json()) as { n: number } | { n: number }[];
    return Array.isArray(value) ? value[0] : value;
  };
  const shows = (file: string, n: number) =>
    eventually(
      `${file} to show ${n}`,
      async () => ((await json(file))?.n === n ? true : ((output += `[test] ${file}: ${last}\n`), undefined)),
      exited,
    );

  beforeAll(async () => {
    project = await createProject({ site: "empty" });
    const config = loadConfig(project.env, project.root);
    const version = await makeVersion(config, "experiment_protocols", protocolsSql(3), T0);
    await writePins(config.lineageDir, { default: { experiment_protocols: version } });
    await writeFile(src("count.json.sql"), "SELECT count(*) * 1 AS n FROM experiment_protocols\n");
    await mkdir(src("lib"));
    await writeFile(src("lib/factor.ts"), "export const FACTOR = 2;\n");
    await writeFile(
      src("scaled.json.ts"),
      [
        'import { defineLoader } from "../loaders/site/loader.ts";',
        'import { FACTOR } from "./lib/factor.ts";',
        "",
        "export default defineLoader({ reads: [] }, async () => ({ n: 7 * FACTOR }));",
        "",
      ].join("\n"),
    );
    // Its own process group, so that teardown can stop Framework's preview with it, whatever happened.
    child = spawn(
      process.execPath,
      [path.join(project.root, "bin", "labbook.js"), "dev", "--port", String(await freePort()), "--no-open"],
      {
        cwd: project.root,
        env: { ...process.env, ...project.env },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    child.on("close", (code, signal) => (exit = { code, signal }));
    base = await eventually(
      "the preview's address",
      async () => output.match(/http:\/\/127\.0\.0\.1:\d+/)?.[0],
      exited,
    );
  }, 2 * WAIT);

  afterAll(async () => {
    // The whole group, Framework's preview included, even when labbook itself has exited.
    if (child?.pid)
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    await project?.remove();
  });

  it(
    "re-runs a SQL loader whose query was edited",
    async () => {
      await shows("count.json", 3);
      await writeFile(src("count.json.sql"), "SELECT count(*) * 10 AS n FROM experiment_protocols\n");
      await shows("count.json", 30);
    },
    2 * WAIT,
  );

  it(
    "re-runs a loader when a module it imports is edited",
    async () => {
      await shows("scaled.json", 14);
      await writeFile(src("lib/factor.ts"), "export const FACTOR = 3;\n");
      await shows("scaled.json", 21);
    },
    2 * WAIT,
  );

  it(
    "runs only the new page's loader when a page is added",
    async () => {
      await shows("count.json", 30);
      const cached = path.join(project.root, "src", ".observablehq", "cache", "count.json");
      const before = (await stat(cached)).mtimeMs;
      const from = output.length;
      await writeFile(src("other.json.sql"), "SELECT count(*) * 100 AS n FROM experiment_protocols\n");
      await writeFile(src("other.md"), '# Other\n\n```js\nconst other = FileAttachment("other.json").json();\n```\n');
      await eventually(
        "the new loader to be named",
        async () => (output.includes("other.json.sql", from) ? true : undefined),
        exited,
      );
      await shows("other.json", 300);
      expect((await fetch(`${base}/other`)).status).toBe(200);
      await shows("count.json", 30);
      expect((await stat(cached)).mtimeMs).toBe(before);
      const rerun = output.slice(from).match(/dev: inputs changed; re-running (.*)/g) ?? [];
      expect(rerun.join("\n")).not.toMatch(/count\.json\.sql|scaled\.json\.ts/);
    },
    2 * WAIT,
  );

  it(
    "stops on Ctrl-C as a normal stop, with no warning",
    async () => {
      // A terminal sends SIGINT to the whole foreground group: labbook and Framework's preview.
      process.kill(-child.pid!, "SIGINT");
      await eventually(
        "labbook dev to exit",
        async () => exit,
        () => undefined,
      );
      expect([0, 130]).toContain(exit!.code);
      expect(output).not.toMatch(/^(warning|error):/m);
    },
    2 * WAIT,
  );
});
