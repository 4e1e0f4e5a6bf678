import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, spawnCli, whenReady } from "../util/cli.ts";
import { listTree } from "../util/tree.ts";
import { seededProject, pinsOf, SMALL_SEED, type SeededProject } from "../util/seeded.ts";

describe("labbook export and exports", () => {
  let project: SeededProject;
  beforeAll(async () => {
    project = await seededProject();
    await project.pin(pinsOf("default", await project.ingest("behavioral_events")));
  });
  afterAll(async () => {
    await project?.remove();
  });
  const cli = (...args: string[]) => runCli(args, project.env);

  it("exports partitioned Parquet, lists it, and verifies it against its manifest", async () => {
    const out = await cli(
      "export",
      "behavioral_events",
      "--format",
      "parquet",
      "--partition-by",
      "date",
      "--compression",
      "gzip",
      "--json",
    );
    expect(out.stderr).not.toContain("error");
    expect(out.code).toBe(0);
    const [exported] = JSON.parse(out.stdout);
    expect(exported).toMatchObject({
      format: "parquet",
      dataset: "behavioral_events",
      options: { compression: "gzip" },
    });
    expect(path.dirname(exported.dir)).toBe(path.join(project.root, "exports", "parquet"));
    const listed = await cli("exports", "--json");
    expect(JSON.parse(listed.stdout).map((e: { dir: string }) => e.dir)).toEqual([exported.dir]);
    const table = await cli("exports");
    expect(table.stdout).toMatch(/^format\s+dataset\s+version\s+rows/);
    expect((await cli("exports", "--verify")).code).toBe(0);
    const first = path.join(exported.dir, exported.files[0].path);
    const bytes = await readFile(first);
    bytes[100]! ^= 1;
    await writeFile(first, bytes);
    const bad = await cli("exports", "--verify");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${exported.files[0].path}: sha256 does not match the manifest`);
  });

  it("exits 2 naming the valid columns for an unknown --filter or --partition-by column", async () => {
    const filter = await cli("export", "behavioral_events", "--format", "csv", "--filter", "evntType=SESSION_STARTED");
    expect(filter.code).toBe(2);
    expect(filter.stderr).toMatch(
      /^error: unknown column "evntType" in --filter for behavioral_events\n {2}Valid columns: id, userId, eventType,/,
    );
    const partition = await cli("export", "behavioral_events", "--format", "parquet", "--partition-by", "week");
    expect(partition.code).toBe(2);
    expect(partition.stderr).toMatch(
      /^error: unknown column "week" in --partition-by for behavioral_events\n {2}Valid: date, id, userId, eventType,/,
    );
  });

  it("exits 2 without --format, and 1 with a clear message when the output directory cannot be written", async () => {
    expect((await cli("export", "behavioral_events")).stderr).toContain("--format is required");
    const file = path.join(project.root, "plain-file");
    await writeFile(file, "x");
    const { code, stderr } = await cli(
      "export",
      "behavioral_events",
      "--format",
      "csv",
      "--out",
      path.join(file, "out"),
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `error: cannot write to ${path.join(file, "out")}: a path component is a file, not a directory\n` +
        "  Choose another directory with --out, or fix its permissions.\n",
    );
  });

  // Node's recursive mkdir loops for ever on /proc/x (ENOENT under a parent that exists), deaf to the first Ctrl-C.
  it.runIf(existsSync("/proc/self"))(
    "exits 1 on an --out the file system will not create, such as /proc/x",
    async () => {
      const { child, done } = spawnCli(
        ["export", "behavioral_events", "--format", "csv", "--out", "/proc/x"],
        project.env,
      );
      const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
      const { code, stderr } = await done.finally(() => clearTimeout(guard));
      expect(code).toBe(1);
      expect(stderr).toContain(
        "error: cannot write to /proc/x: the file system does not let a directory be made there",
      );
    },
  );
});

/** Whether an export has begun to stage under `out`: a hidden temp directory is there. */
const staging = async (out: string) => (await listTree(out)).some((f) => f.split("/").some((p) => p.includes(".tmp-")));

describe("labbook export: interrupted", () => {
  let project: SeededProject;
  beforeAll(async () => {
    // Big enough that an export is still writing when the signal comes.
    project = await seededProject({ ...SMALL_SEED, users: 30, days: 60, events: 300_000 });
    await project.pin(pinsOf("default", await project.ingest("behavioral_events")));
  });
  afterAll(async () => {
    await project?.remove();
  });

  // The hang was a race on opening the pipe: signal at several moments, several times over.
  it.each(["ndjson", "csv", "all"])(
    "SIGINT during --format %s exits 130 and leaves nothing half-written",
    async (format) => {
      for (const delay of [0, 0, 20, 60, 150, 400]) {
        const out = await mkdtemp(path.join(project.root, "out-"));
        const run = spawnCli(["export", "behavioral_events", "--format", format, "--out", out], project.env);
        expect(await whenReady(() => staging(out), run.done)).toBe(true);
        await sleep(delay);
        run.child.kill("SIGINT");
        const timeout = sleep(30_000).then(() => "hung" as const);
        const result = await Promise.race([run.done, timeout]);
        if (result === "hung") {
          run.child.kill("SIGKILL");
          expect.fail(`still running 30 s after SIGINT (sent ${delay} ms after staging began)`);
        }
        expect(result.code, result.stderr).toBe(130);
        expect(result.stderr).toContain("warning: interrupted");
        // Exports that finished before the signal stay whole; nothing hidden (a temp directory, a pipe) is left.
        const left = await listTree(out);
        expect(left.filter((f) => f.split("/").some((part) => part.startsWith(".")))).toEqual([]);
        for (const dir of left.filter((f) => /^([a-z]+\/)?behavioral_events-[0-9a-f]+\/$/.test(f)))
          expect(left).toContain(`${dir}manifest.json`);
      }
    },
  );
});
