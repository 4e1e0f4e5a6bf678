import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { exportIceberg } from "../../loaders/iceberg/export.ts";
import { runSql } from "../../loaders/deliver/sql.ts";
import { commitVersion } from "../../loaders/store/commit.ts";
import { stageThroughPipe } from "../../loaders/store/objects.ts";
import { parquetRowCount, parquetSchema } from "../../loaders/store/parquet.ts";
import { buildRecord } from "../../loaders/lineage/record.ts";
import { sqlString } from "../../loaders/datasets/rules.ts";
import { createProject, makeVersion, type TestProject } from "../util/project.ts";
import { icebergReader, type IcebergReader } from "../util/iceberg.ts";

const T0 = Date.parse("2025-07-01T08:00:00.000Z");
const DAY = 86_400_000;

/** Rows of every type labbook writes, with nulls; `extra` adds columns (a later version's schema change). */
const rowsSql = (n: number, extra = "") =>
  `SELECT printf('r%03d', i) AS id, i::INTEGER AS n, (i * 10000000000)::BIGINT AS big, i / 4 AS ratio,
     CASE WHEN i % 3 = 0 THEN NULL ELSE 'name ' || i END AS name, ('{"k": ' || i || '}')::JSON AS payload,
     TIMESTAMPTZ '2025-06-01 00:00:00.123+00' + to_days(i::INTEGER) AS at, DATE '2025-06-01' + i::INTEGER AS day,
     i % 2 = 0 AS even${extra}
   FROM range(${n}) t(i) ORDER BY id`;

/** A version as labbook wrote them before field ids: the same options without FIELD_IDS. */
async function makeVersionWithoutIds(project: TestProject, dataset: string, select: string, at: number) {
  return withDuckDB(async (con) => {
    const staged = await stageThroughPipe(project.config.dataDir, (pipe) =>
      con.run(`COPY (${select}) TO ${sqlString(pipe)} (FORMAT parquet, COMPRESSION zstd)`).then(() => {}),
    );
    const record = buildRecord({
      job: `test.${dataset}`,
      dataset,
      version: staged.version,
      rowCount: await parquetRowCount(con, staged.path),
      size: staged.size,
      fields: await parquetSchema(con, staged.path),
      inputs: [],
      dataSource: { name: "test", uri: "test://" },
      sql: select,
      parameters: {},
      git: { commit: null, branch: null, dirty: null },
      sourcePath: "test/iceberg/export.test.ts",
      startedAt: at,
      endedAt: at,
    });
    await commitVersion(project.config, dataset, staged, record);
    return staged.version;
  });
}

async function setPins(project: TestProject, pins: Record<string, Record<string, string>>) {
  await writeFile(path.join(project.config.lineageDir, "pins.json"), JSON.stringify(pins, null, 2));
}

/** What `labbook sql` gives for one version: its rows and DuckDB types, through a pin set made for the purpose. */
async function sqlOf(project: TestProject, pins: Record<string, Record<string, string>>, dataset: string, v: string) {
  await setPins(project, { ...pins, "check-sql": { [dataset]: v } });
  try {
    return await runSql(project.config, `SELECT * FROM ${dataset} ORDER BY id`, { pins: "check-sql" });
  } finally {
    await setPins(project, pins);
  }
}

const ICEBERG_OF_DUCKDB: Record<string, string> = {
  VARCHAR: "string",
  JSON: "string",
  INTEGER: "int",
  BIGINT: "long",
  DOUBLE: "double",
  BOOLEAN: "boolean",
  DATE: "date",
  "TIMESTAMP WITH TIME ZONE": "timestamptz",
};

/**
 * A row in the JSON-ready form runSql gives: longs as numbers, dates and instants as ISO text. The JSON column is
 * compared as the value its text holds: hyparquet parses a column the file annotates as JSON, though its Iceberg type
 * is string. (icebird returns instants as JS Dates, in milliseconds: the rows here have no finer digits.)
 */
function normalise(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => {
      if (v === null || v === undefined) return [k, null];
      if (typeof v === "bigint") return [k, Number(v)];
      if (v instanceof Date) return [k, v.toISOString()];
      if (k === "payload") return [k, typeof v === "string" ? JSON.parse(v) : v];
      return [k, v];
    }),
  );
}

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
    const result = await exportIceberg(project.config, { warehouse, now: () => T0 + 3 * DAY });
    const table = result.tables.find((t) => t.dataset === "events")!;
    expect(table).toMatchObject({ written: true, snapshots: 3, current: versions[2], added: versions });
    expect(table.tags).toEqual({ "exp-a": versions[0], "exp-b": versions[1] });
    const url = `file://${warehouse}/events`;
    const meta = await reader.metadata(url);
    expect(meta.snapshots.map((s) => s.summary["labbook.version"])).toEqual(versions);
    expect(meta.properties["schema.name-mapping.default"]).toContain('"names":["payload"]');

    const cases = [
      ...versions.map((v, i) => ({ v, at: { snapshotId: meta.snapshots[i]!["snapshot-id"] } })),
      { v: versions[0]!, at: { tag: "exp-a" } },
      { v: versions[1]!, at: { tag: "exp-b" } },
      { v: versions[2]!, at: {} },
    ];
    for (const { v, at } of cases) {
      const sql = await sqlOf(project, pins, "events", v);
      const rows = (await reader.read(url, at)).map(normalise);
      rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
      expect(rows, `${v} at ${JSON.stringify(at)}`).toEqual(sql.rows.map(normalise));
      const snapshot = meta.snapshots.find((s) => s.summary["labbook.version"] === v)!;
      const schema = meta.schemas.find((s) => s["schema-id"] === snapshot["schema-id"])!;
      expect(schema.fields.map((f) => [f.name, f.type])).toEqual(
        sql.columns.map((c) => [c.name, ICEBERG_OF_DUCKDB[c.type] ?? c.type]),
      );
      expect(snapshot.summary["labbook.row-count"]).toBe(String(sql.rows.length));
    }
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

  async function listing(dir: string): Promise<string[]> {
    return (await readdir(dir, { recursive: true })).sort();
  }
});
