import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../util/cli.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";
import { rowsSql, setPins, T0 } from "../iceberg/_tables.ts";

describe("labbook iceberg (CLI)", () => {
  let project: TestProject;
  let version: string;

  beforeAll(async () => {
    project = await createProject();
    version = await makeVersion(project.config, "events", rowsSql(3), T0);
    await setPins(project, { default: { events: version } });
  });
  afterAll(() => project?.remove());

  it("needs --warehouse (exit 2)", async () => {
    const r = await runCli(["iceberg"], project.env);
    expect([r.code, r.stderr]).toEqual([
      2,
      expect.stringContaining("--warehouse is required (a directory or s3://bucket/prefix)"),
    ]);
  });

  it("prints one line per table, and says unchanged the second time", async () => {
    // A relative warehouse is relative to the working directory, as export's --out is.
    let r = await runCli(["iceberg", "--warehouse", "wh"], project.env, project.root);
    expect(r.code, r.stderr).toBe(0);
    const short = version.slice(7, 19);
    expect(r.stdout).toBe(
      `events\tevents/metadata/v1.metadata.json\t1 snapshots, current ${short}, tags default=${short}\n`,
    );
    r = await runCli(["iceberg", "--warehouse", path.join(project.root, "wh")], project.env);
    expect(r.stdout).toBe(`events\tunchanged\t1 snapshots, current ${short}, tags default=${short}\n`);
  });
});
