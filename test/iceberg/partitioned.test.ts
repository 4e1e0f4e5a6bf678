import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportIceberg } from "../../loaders/iceberg/export.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { icebergReader, type IcebergReader } from "../util/iceberg.ts";
import { createProject, dayRows, flipByte, makePartitionedVersion, type TestProject } from "../util/project.ts";
import { DAY, expectSnapshotsAsSql, setPins, T0 } from "./_tables.ts";

describe("labbook iceberg with versions made of partitions", () => {
  let project: TestProject;
  let reader: IcebergReader;
  const versions: string[] = [];
  let objects: Record<string, string>;
  let pins: Record<string, Record<string, string>>;

  beforeAll(async () => {
    project = await createProject();
    const parts = { "2025-06-01": dayRows("2025-06-01", 3), "2025-06-02": dayRows("2025-06-02", 3, 3) };
    versions.push((await makePartitionedVersion(project.config, "events", parts, T0)).version);
    const v2 = await makePartitionedVersion(
      project.config,
      "events",
      { ...parts, "2025-06-03": dayRows("2025-06-03", 3, 6) },
      T0 + DAY,
    );
    versions.push(v2.version);
    objects = v2.objects;
    pins = { "exp-a": { events: versions[0]! }, "exp-b": { events: versions[1]! } };
    await setPins(project, pins);
    reader = await icebergReader({ files: [project.root] });
  });
  afterAll(async () => {
    await reader?.close();
    await project?.remove();
  });

  it("gives each version one data file per partition, and reads back as labbook sql", async () => {
    const warehouse = path.join(project.root, "warehouse");
    const result = await exportIceberg(project.config, { warehouse, clock: () => T0 + 2 * DAY });
    expect(result.tables.find((t) => t.dataset === "events")).toMatchObject({ snapshots: 2, current: versions[1] });
    const url = `file://${warehouse}/events`;
    const meta = await reader.metadata(url);
    expect(meta.snapshots.map((s) => s.summary["labbook.row-count"])).toEqual(["6", "9"]);
    await expectSnapshotsAsSql(reader, url, project, pins, versions);
  });

  it("refuses to publish a partition object whose bytes do not match its name, naming it", async () => {
    const file = objectPath(project.config.dataDir, objects["2025-06-03"]!);
    await flipByte(file);
    const warehouse = path.join(project.root, "warehouse-2");
    await expect(exportIceberg(project.config, { warehouse, clock: () => T0 + 2 * DAY })).rejects.toMatchObject({
      code: "E_INTEGRITY",
      message: expect.stringContaining(`${file} does not hold its partition object ${objects["2025-06-03"]}`),
    });
  });
});
