import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { earlierRunsOf, listVersions, readRecord, recordPath } from "../../loaders/lineage/catalog.ts";
import { createProject, makeVersion, protocolsSql, type TestProject } from "../util/project.ts";

describe("commitVersion and the latest version", () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await createProject();
  });
  afterEach(() => project.remove());

  it("keeps the record when the latest version is produced again", async () => {
    const a = await makeVersion(project.config, "experiment_protocols", protocolsSql(3), Date.UTC(2025, 0, 1));
    const file = recordPath(project.config.lineageDir, "experiment_protocols", a);
    const before = await readFile(file, "utf8");
    expect(await makeVersion(project.config, "experiment_protocols", protocolsSql(3), Date.UTC(2025, 0, 2))).toBe(a);
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("makes an older version the latest again when a run reproduces its bytes", async () => {
    const a = await makeVersion(project.config, "experiment_protocols", protocolsSql(3), Date.UTC(2025, 0, 1));
    const b = await makeVersion(project.config, "experiment_protocols", protocolsSql(2), Date.UTC(2025, 0, 2));
    expect((await listVersions(project.config.lineageDir, "experiment_protocols"))[0]!.version).toBe(b);
    expect(await makeVersion(project.config, "experiment_protocols", protocolsSql(3), Date.UTC(2025, 0, 3))).toBe(a);
    const versions = await listVersions(project.config.lineageDir, "experiment_protocols");
    expect(versions.map((v) => v.version)).toEqual([a, b]);
    expect(versions[0]!.createdAt).toBe(new Date(Date.UTC(2025, 0, 3)).toISOString());
  });

  it("keeps the runs a reproduced version's record replaces, newest first", async () => {
    const dir = project.config.lineageDir;
    const day = (d: number) => Date.UTC(2025, 0, d);
    const a = await makeVersion(project.config, "experiment_protocols", protocolsSql(3), day(1));
    const first = await readRecord(dir, "experiment_protocols", a);
    expect(earlierRunsOf(first)).toEqual([]);
    await makeVersion(project.config, "experiment_protocols", protocolsSql(2), day(2));
    await makeVersion(project.config, "experiment_protocols", protocolsSql(3), day(3));
    const second = await readRecord(dir, "experiment_protocols", a);
    expect(second.run.runId).not.toBe(first.run.runId);
    expect(earlierRunsOf(second)).toEqual([
      {
        runId: first.run.runId,
        eventTime: first.eventTime,
        job: "test.experiment_protocols",
        parameters: {},
        commit: null,
      },
    ]);
    await makeVersion(project.config, "experiment_protocols", protocolsSql(2), day(4));
    await makeVersion(project.config, "experiment_protocols", protocolsSql(3), day(5));
    const third = await readRecord(dir, "experiment_protocols", a);
    expect(earlierRunsOf(third).map((r) => r.runId)).toEqual([second.run.runId, first.run.runId]);
    expect(third.run.facets.labbook_reproduced).toMatchObject({ _producer: expect.any(String) });
  });
});
