import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlString } from "../../loaders/sql-quote.ts";
import { queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { exportIceberg } from "../../loaders/iceberg/export.ts";
import { directoryWarehouse } from "../../loaders/iceberg/warehouse.ts";
import { icebergReader, type IcebergReader } from "../util/iceberg.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";
import { DAY, expectSnapshotsAsSql, makeVersionWithoutIds, rowsSql, setPins, T0 } from "./_tables.ts";

describe("labbook iceberg on a directory warehouse", () => {
  let project: TestProject;
  let reader: IcebergReader;
  let warehouse: string;
  const versions: string[] = [];
  let pins: Record<string, Record<string, string>>;

  beforeAll(async () => {
    project = await createProject();
    warehouse = path.join(project.root, "warehouse");
    versions.push(await makeVersionWithoutIds(project, "events", rowsSql(5), T0));
    versions.push(await makeVersion(project.config, "events", rowsSql(7), T0 + DAY));
    versions.push(await makeVersion(project.config, "events", rowsSql(6, ", i * 2 AS twice"), T0 + 2 * DAY));
    pins = { "exp-a": { events: versions[0]! }, "exp-b": { events: versions[1]! } };
    await setPins(project, pins);
    reader = await icebergReader({ files: [project.root] });
  });
  afterAll(async () => {
    await reader?.close();
    await project?.remove();
  });

  it("reads back every snapshot and every tag with the rows and types of labbook sql", async () => {
    const result = await exportIceberg(project.config, { warehouse, clock: () => T0 + 3 * DAY });
    const table = result.tables.find((t) => t.dataset === "events")!;
    expect(table).toMatchObject({ written: true, snapshots: 3, current: versions[2], added: versions });
    expect(table.tags).toEqual({ "exp-a": versions[0], "exp-b": versions[1] });
    const url = `file://${warehouse}/events`;
    const meta = await reader.metadata(url);
    expect(meta.snapshots.map((s) => s.summary["labbook.version"])).toEqual(versions);
    expect(meta.properties["schema.name-mapping.default"]).toContain('"names":["payload"]');

    await expectSnapshotsAsSql(reader, url, project, pins, versions);
  });

  it("gives each column the field id its Parquet file holds, or maps it by name where the file has none", async () => {
    const meta = await reader.metadata(`file://${warehouse}/events`);
    const mapping = JSON.parse(meta.properties["schema.name-mapping.default"]!) as {
      "field-id": number;
      names: string[];
    }[];
    await withDuckDB(async (con) => {
      for (const [i, v] of versions.entries()) {
        const snapshot = meta.snapshots.find((s) => s.summary["labbook.version"] === v)!;
        const fields = meta.schemas.find((s) => s["schema-id"] === snapshot["schema-id"])!.fields;
        const file = path.join(project.config.dataDir, "objects", v.slice(7, 9), `${v.slice(7)}.parquet`);
        const inFile = await queryRows<{ name: string; field_id: number | null }>(
          con,
          `SELECT name, field_id FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL`,
        );
        const ids = inFile.map((c) =>
          i === 0 ? mapping.find((m) => m.names.includes(c.name))?.["field-id"] : Number(c.field_id),
        );
        expect(ids, v).toEqual(fields.map((f) => f.id));
        expect(inFile.every((c) => (c.field_id === null) === (i === 0))).toBe(true);
      }
    });
  });

  it("writes nothing when nothing changed", async () => {
    const before = await listing(warehouse);
    const result = await exportIceberg(project.config, { warehouse });
    expect(result.tables.map((t) => t.written)).toEqual([false]);
    expect(await listing(warehouse)).toEqual(before);
  });

  it("adds one metadata file for a new version, and old snapshots still read", async () => {
    const before = await listing(warehouse);
    versions.push(await makeVersion(project.config, "events", rowsSql(3, ", i * 2 AS twice"), T0 + 3 * DAY));
    const result = await exportIceberg(project.config, { warehouse });
    expect(result.tables[0]).toMatchObject({ written: true, added: [versions[3]], snapshots: 4, current: versions[3] });
    const added = (await listing(warehouse)).filter((f) => !before.includes(f));
    expect(added.filter((f) => f.endsWith(".metadata.json"))).toEqual(["events/metadata/v2.metadata.json"]);
    expect(added.filter((f) => f.endsWith(".avro"))).toHaveLength(2);
    const url = `file://${warehouse}/events`;
    expect((await reader.read(url)).map((r) => r.id)).toEqual(["r000", "r001", "r002"]);
    await expectSnapshotsAsSql(reader, url, project, pins, versions);
  });

  it("moves a tag when its pin set pins another version, and drops it when the set is gone", async () => {
    pins = { "exp-a": { events: versions[2]! } };
    await setPins(project, pins);
    const result = await exportIceberg(project.config, { warehouse });
    expect(result.tables[0]).toMatchObject({ written: true, added: [] });
    expect(result.tables[0]!.tags).toEqual({ "exp-a": versions[2] });
    expect(result.tables[0]!.metadata).toBe("events/metadata/v3.metadata.json");
    expect(await reader.read(`file://${warehouse}/events`, { tag: "exp-a" })).toHaveLength(6);
  });

  it("leaves the previous metadata current when an export stops before its metadata file", async () => {
    versions.push(await makeVersion(project.config, "events", rowsSql(2, ", i * 2 AS twice"), T0 + 4 * DAY));
    const failing = (where: string) => {
      const wh = directoryWarehouse(where);
      return {
        ...wh,
        async write(key: string, bytes: Buffer, options?: { exclusive?: boolean }) {
          if (key.endsWith(".metadata.json")) throw new Error("stopped");
          await wh.write(key, bytes, options);
        },
      };
    };
    await expect(exportIceberg(project.config, { warehouse, open: failing })).rejects.toThrow("stopped");
    const url = `file://${warehouse}/events`;
    expect((await readFile(path.join(warehouse, "events/metadata/version-hint.text"), "utf8")).trim()).toBe("3");
    expect(await reader.read(url)).toHaveLength(3);
    expect((await listing(warehouse)).filter((f) => f.includes(".tmp"))).toEqual([]);

    const result = await exportIceberg(project.config, { warehouse });
    expect(result.tables[0]).toMatchObject({ written: true, added: [versions[4]], current: versions[4] });
    expect(await reader.read(url)).toHaveLength(2);
  });

  it("finishes an export that stopped between its metadata file and version-hint.text", async () => {
    await writeFile(path.join(warehouse, "events/metadata/version-hint.text"), "3");
    const result = await exportIceberg(project.config, { warehouse });
    expect(result.tables[0]).toMatchObject({ written: false, metadata: "events/metadata/v4.metadata.json" });
    expect(await readFile(path.join(warehouse, "events/metadata/version-hint.text"), "utf8")).toBe("4");
  });

  it("makes an older snapshot current again when a run reproduces its version", async () => {
    // The same rows as versions[1]: the same bytes, so that version is the latest again, with no new snapshot.
    expect(await makeVersion(project.config, "events", rowsSql(7), T0 + 5 * DAY)).toBe(versions[1]);
    const result = await exportIceberg(project.config, { warehouse });
    expect(result.tables[0]).toMatchObject({ written: true, added: [], snapshots: 5, current: versions[1] });
    expect(await reader.read(`file://${warehouse}/events`)).toHaveLength(7);
  });

  it("refuses an unknown pin set, and an S3 warehouse when the remote is not on S3", async () => {
    await expect(exportIceberg(project.config, { warehouse, pinSets: ["nope"] })).rejects.toMatchObject({
      code: "E_USAGE",
      message: 'no pin set "nope" in lineage/pins.json',
    });
    await expect(exportIceberg(project.config, { warehouse: "s3://lab/iceberg" })).rejects.toMatchObject({
      code: "E_CONFIG",
      message: "an S3 warehouse reads the objects on the remote, and LABBOOK_REMOTE is not on S3",
    });
  });

  async function listing(dir: string): Promise<string[]> {
    return (await readdir(dir, { recursive: true })).sort();
  }
});
