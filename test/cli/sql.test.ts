import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, spawnCli } from "../util/cli.ts";
import { seededProject, pinsOf, type SeededProject } from "../util/seeded.ts";

describe("labbook sql", () => {
  let project: SeededProject;
  let rows: number;
  beforeAll(async () => {
    project = await seededProject();
    const results = await project.ingest("behavioral_events");
    rows = results[0]!.rowCount;
    await project.pin(pinsOf("study", results));
  });
  afterAll(async () => {
    await project?.remove();
  });
  const sql = (...args: string[]) => runCli(["sql", "--pins", "study", ...args], project.env);
  const query = "SELECT count(*) AS n, 'a,b' AS label FROM behavioral_events";

  it("prints a table by default", async () => {
    const { code, stdout } = await sql(query);
    expect(code).toBe(0);
    expect(stdout).toBe(`   n  label\n${String(rows).padStart(4)}  a,b\n`);
  });

  it("prints CSV and JSON, and exits 0", async () => {
    expect(await sql("--format", "csv", query)).toMatchObject({
      code: 0,
      stdout: `n,label\n${rows},"a,b"\n`,
      stderr: "",
    });
    for (const args of [["--format", "json"], ["--json"]]) {
      const { code, stdout } = await sql(...args, query);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual([{ n: rows, label: "a,b" }]);
    }
  });

  it("keeps the microseconds of timestamps, in every format", async () => {
    const times =
      "SELECT TIMESTAMPTZ '2025-09-25 10:00:00.123456+00' AS tz, TIMESTAMP '2025-09-25 10:00:00.123' AS ms, " +
      "[TIMESTAMP '1969-12-31 23:59:59.999999'] AS list";
    const micros = "2025-09-25T10:00:00.123456Z";
    const millis = "2025-09-25T10:00:00.123Z";
    const before1970 = "1969-12-31T23:59:59.999999Z";
    expect(JSON.parse((await sql("--json", times)).stdout)).toEqual([{ tz: micros, ms: millis, list: [before1970] }]);
    expect((await sql("--format", "csv", times)).stdout).toBe(
      `tz,ms,list\n${micros},${millis},"[""${before1970}""]"\n`,
    );
    expect((await sql(times)).stdout).toContain(`${micros}  ${millis}  ["${before1970}"]`);
  });

  it("stops quietly with exit 0 when the reader closes early (labbook sql … | head)", async () => {
    const { child, done } = spawnCli(
      ["sql", "--pins", "study", "--format", "csv", "SELECT range AS i, repeat('x', 200) AS pad FROM range(200000)"],
      project.env,
    );
    child.stdout!.once("data", () => child.stdout!.destroy());
    const { code, stderr } = await done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("exits 2 for a bad query, naming the views", async () => {
    const { code, stderr } = await sql("SELECT * FROM sessions");
    expect(code).toBe(2);
    expect(stderr).toContain("error: query failed: Catalog Error: Table with name sessions does not exist");
    expect(stderr).toContain('Views of pin set "study": behavioral_events.');
  });

  it("exits 2 and writes nothing for a statement that writes, or a read outside the pins", async () => {
    const target = path.join(project.root, "out.csv");
    const copy = await sql(`COPY (SELECT * FROM behavioral_events) TO '${target}'`);
    expect(copy.code).toBe(2);
    expect(copy.stderr).toContain("error: query refused: not a read-only statement");
    expect(copy.stderr).toContain('redirect them ("--format csv > FILE")');
    expect(existsSync(target)).toBe(false);
    const read = await sql(`SELECT * FROM read_csv('${path.join(project.root, "nothing.csv")}')`);
    expect(read.code).toBe(2);
    expect(read.stderr).toContain("error: query refused: Permission Error: Cannot access file");
  });
});
