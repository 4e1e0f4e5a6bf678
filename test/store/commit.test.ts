import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listVersions, recordPath } from "../../loaders/lineage/catalog.ts";
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
});
