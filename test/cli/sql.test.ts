import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../util/cli.ts";
import { createTestProject, pinsOf, type TestProject } from "../deliver/_project.ts";

describe("labbook sql", () => {
  let project: TestProject;
  let rows: number;
  beforeAll(async () => {
    project = await createTestProject();
    const results = await project.ingest("behavioral_events");
    rows = results[0]!.rowCount;
    await project.pin(pinsOf("study", results));
  });
  afterAll(async () => {
    await project?.dispose();
  });
  const sql = (...args: string[]) => runCli(["sql", "--pins", "study", ...args], project.env);
  const query = "SELECT count(*) AS n, 'a,b' AS label FROM behavioral_events";

  it("prints a table by default", async () => {
    const { code, stdout } = await sql(query);
    expect(code).toBe(0);
    expect(stdout).toBe(`   n  label\n${String(rows).padStart(4)}  a,b\n`);
  });

  it("prints CSV and JSON", async () => {
    expect((await sql("--format", "csv", query)).stdout).toBe(`n,label\n${rows},"a,b"\n`);
    expect(JSON.parse((await sql("--format", "json", query)).stdout)).toEqual([{ n: rows, label: "a,b" }]);
    expect(JSON.parse((await sql("--json", query)).stdout)).toEqual([{ n: rows, label: "a,b" }]);
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

  it("says in --help what it refuses", async () => {
    const { stdout } = await runCli(["sql", "--help"], project.env);
    expect(stdout).toContain("COPY, ATTACH,\nCREATE, INSERT and reading other files are refused (exit 2)");
  });
});
