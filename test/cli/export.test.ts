import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../util/cli.ts";
import { createTestProject, pinsOf, type TestProject } from "../deliver/_project.ts";

describe("labbook export and exports", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await createTestProject();
    await project.pin(pinsOf("default", await project.ingest("behavioral_events")));
  });
  afterAll(async () => {
    await project?.dispose();
  });
  const cli = (...args: string[]) => runCli(args, project.env);

  it("has --help", async () => {
    const { code, stdout } = await cli("export", "--help");
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe(
      "Usage: labbook export <dataset>[@version] --format csv|ndjson|parquet|all [--pins SET] [--out DIR] [--compression C] [--partition-by COLUMN|date] [--filter COLUMN=V1,V2]",
    );
    expect(stdout).toContain("--no-bom");
  });

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
});
