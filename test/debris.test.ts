import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { projectRoot } from "../loaders/config.ts";
import { stagingDir } from "../loaders/out-dir.ts";
import { directoryRemote } from "../loaders/remote/dir.ts";
import { findDebris, sweepDebris } from "../loaders/debris.ts";
import { tempPath } from "../loaders/store/objects.ts";
import { runCli } from "./util/cli.ts";
import { runUntilKilled } from "./util/killed.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "./util/project.ts";

const DATASET = "experiment_protocols";

describe("debris of killed processes", () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await createProject();
  });
  afterEach(() => project.remove());

  it("a command that takes the store lock sweeps what a killed process left, and nothing of a live one", async () => {
    const { dataDir, lineageDir } = project.config;
    const version = await makeVersion(project.config, DATASET, protocolsSql(3), Date.UTC(2025, 0, 1));
    const record = path.join(lineageDir, DATASET, `${version.slice(7)}.json`);
    // What an ingest killed while staging, and a commit killed between writing its record and renaming it, leave.
    await runUntilKilled(
      project.root,
      `import { writeFile } from "node:fs/promises";
       const { tempPath } = await import(root + "/loaders/store/objects.ts");
       await writeFile(await tempPath(${JSON.stringify(dataDir)}, ".parquet"), "half a file");
       await writeFile(${JSON.stringify(record)} + "." + process.pid + ".tmp", "{");
       console.log("ready");
       setInterval(() => {}, 1000);`,
    );
    const live = await tempPath(dataDir, ".parquet");
    await writeFile(live, "ours");
    expect(await readdir(path.join(dataDir, "tmp"))).toHaveLength(2);

    const verify = await runCli(["verify", "--json"], project.env);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout).debris.map((d: { kind: string }) => d.kind)).toEqual(["staging", "temp-file"]);

    const pinned = await runCli(["pin", "default", DATASET], project.env);
    expect(pinned.code).toBe(0);
    expect(await readdir(path.join(dataDir, "tmp"))).toEqual([path.basename(live)]);
    expect((await readdir(path.join(lineageDir, DATASET))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("finds the journal temp a commit of a partitioned version was killed writing in data/pending", async () => {
    const pending = path.join(project.config.dataDir, "pending");
    await mkdir(pending, { recursive: true });
    await writeFile(path.join(pending, "abc.json.4242.tmp"), "{");
    await writeFile(path.join(pending, "abc.json"), "{}");
    const found = await findDebris(project.config, (pid) => pid !== 4242);
    expect(found).toEqual([{ path: path.join(pending, "abc.json.4242.tmp"), pid: 4242, kind: "temp-file" }]);
  });

  it("finds the mark of an intact object that a process was killed writing, and the next lock sweeps it", async () => {
    const version = await makeVersion(project.config, DATASET, protocolsSql(3), Date.UTC(2025, 0, 1));
    const verified = path.join(project.config.dataDir, "verified");
    const before = await readdir(verified);
    // Killed between writing the mark's temp file and renaming it into place (test/util/kill-at-rename.mjs).
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        path.join(projectRoot, "test", "util", "kill-at-rename.mjs"),
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { markVerified } = await import(${JSON.stringify(path.join(projectRoot, "loaders", "store", "verified.ts"))});
         const { objectPath } = await import(${JSON.stringify(path.join(projectRoot, "loaders", "store", "objects.ts"))});
         const dataDir = ${JSON.stringify(project.config.dataDir)};
         await markVerified(dataDir, objectPath(dataDir, ${JSON.stringify(version)}), ${JSON.stringify(version)});`,
      ],
      { cwd: projectRoot, env: { ...process.env, LABBOOK_KILL_AT_RENAME: "before:1:/verified/" } },
    );
    expect(child.signal, String(child.stderr)).toBe("SIGKILL");
    const left = (await readdir(verified)).filter((f) => !before.includes(f));
    expect(left).toEqual([expect.stringMatching(new RegExp(`^${version.slice(7)}\\.${child.pid}\\.[0-9a-f]+\\.tmp$`))]);
    expect(await findDebris(project.config)).toEqual([
      { path: path.join(verified, left[0]!), pid: child.pid, kind: "temp-file" },
    ]);
    expect((await runCli(["pin", "default", DATASET], project.env)).code).toBe(0);
    expect(await readdir(verified)).toEqual(before);
  });

  it("gc removes debris and says so; --dry-run only lists it", async () => {
    await makeVersion(project.config, DATASET, protocolsSql(3), Date.UTC(2025, 0, 1));
    const pid = await runUntilKilled(
      project.root,
      `const { openDuckDB } = await import(root + "/loaders/duckdb.ts");
       const { spillDir } = await import(root + "/loaders/store/objects.ts");
       const { mkdir } = await import("node:fs/promises");
       const { con } = await openDuckDB({ tempDir: spillDir(${JSON.stringify(project.config.dataDir)}) });
       // DuckDB makes its spill directory when it first spills; make it as if it had.
       const got = await con.runAndReadAll("SELECT current_setting('temp_directory') AS dir");
       await mkdir(String(got.getRowObjects()[0].dir) + "/x", { recursive: true });
       console.log("ready");
       setInterval(() => {}, 1000);`,
    );
    const spill = path.join(project.config.dataDir, "tmp", "duckdb");
    expect((await readdir(spill)).filter((d) => d.startsWith(`${pid}-`))).toHaveLength(1);
    const dry = await runCli(["gc", "--dry-run", "--json"], project.env);
    expect(JSON.parse(dry.stdout).debris).toMatchObject([{ kind: "spill", pid }]);
    expect(await readdir(spill)).toHaveLength(1);
    const gc = await runCli(["gc", "--json"], project.env);
    expect(gc.code).toBe(0);
    expect(JSON.parse(gc.stdout).debris).toMatchObject([{ kind: "spill", pid }]);
    expect(await readdir(spill)).toEqual([]);
  });

  it("verify lists and gc removes the loader outputs a killed Framework was writing, never a live one's", async () => {
    const dead = await runUntilKilled(project.root, `console.log("ready"); setInterval(() => {}, 1000);`);
    const cache = path.join(project.root, "src", ".observablehq", "cache", "data");
    await mkdir(cache, { recursive: true });
    const names = ["x.json", `x.json.${dead}`, `y.zip.${dead}.err`, `x.json.${process.pid}`];
    for (const name of names) await writeFile(path.join(cache, name), "{}");
    const verify = await runCli(["verify", "--json"], project.env);
    expect(JSON.parse(verify.stdout).debris).toMatchObject([
      { kind: "cache", pid: dead, path: path.join(cache, `x.json.${dead}`) },
      { kind: "cache", pid: dead, path: path.join(cache, `y.zip.${dead}.err`) },
    ]);
    const gc = await runCli(["gc", "--json"], project.env);
    expect(gc.code).toBe(0);
    expect(JSON.parse(gc.stdout).debris).toHaveLength(2);
    expect((await readdir(cache)).sort()).toEqual(["x.json", `x.json.${process.pid}`]);
  });

  it("a push sweeps the temp uploads a killed push of this host left on a directory remote", async () => {
    const remote = path.join(project.root, "remote");
    await runUntilKilled(
      project.root,
      `const { directoryRemote } = await import(root + "/loaders/remote/dir.ts");
       const { PassThrough } = await import("node:stream");
       const body = new PassThrough();
       body.write("some of the bytes");
       void directoryRemote(${JSON.stringify(remote)}).upload("objects/aa/x.parquet", body, 100, () => {});
       setTimeout(() => console.log("ready"), 200);
       setInterval(() => {}, 1000);`,
    );
    expect(await readdir(path.join(remote, "tmp"))).toHaveLength(1);
    await directoryRemote(remote).upload("objects/bb/y.parquet", Readable.from([Buffer.from("y")]), 1, () => {});
    expect(await readdir(path.join(remote, "tmp"))).toEqual([]);
    expect(existsSync(path.join(remote, "objects", "bb", "y.parquet"))).toBe(true);
  });

  it("the next build sweeps a killed build's temp site beside dist/", async () => {
    await runUntilKilled(
      project.root,
      `const { stagingDir } = await import(root + "/loaders/out-dir.ts");
       const { writeFile } = await import("node:fs/promises");
       const dir = await stagingDir(${JSON.stringify(project.root)}, "dist");
       await writeFile(dir + "/index.html", "half a site");
       console.log("ready");
       setInterval(() => {}, 1000);`,
    );
    expect((await readdir(project.root)).filter((f) => f.startsWith(".dist."))).toHaveLength(1);
    const next = await stagingDir(project.root, "dist");
    expect((await readdir(project.root)).filter((f) => f.startsWith(".dist."))).toEqual([path.basename(next)]);
  });

  it("a kill between the two renames that publish dist/ leaves a site that the next command puts in place", async () => {
    const dead = await runUntilKilled(project.root, `console.log("ready"); setInterval(() => {}, 1000);`);
    // publishDir renames the finished site to .ready-, the old one to .old-, then .ready- to dist: killed after two.
    const sibling = (kind: string) =>
      path.join(project.root, `.dist.${kind}-${dead}-00000000-0000-4000-8000-00000000000${kind.length}`);
    for (const [kind, text] of [
      ["old", "old site"],
      ["ready", "new site"],
    ]) {
      await mkdir(sibling(kind!), { recursive: true });
      await writeFile(path.join(sibling(kind!), "index.html"), text!);
    }
    const dirs = { ...project.config, root: project.root };
    await sweepDebris(dirs);
    expect(await readdir(path.join(project.root, "dist"))).toEqual(["index.html"]);
    expect((await readdir(project.root)).filter((f) => f.startsWith(".dist."))).toEqual([]);
  });
});
