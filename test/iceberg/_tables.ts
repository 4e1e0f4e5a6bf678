import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import { sqlString } from "../../loaders/sql-quote.ts";
import { runSql } from "../../loaders/deliver/sql.ts";
import { withDuckDB } from "../../loaders/duckdb.ts";
import { commitVersion } from "../../loaders/store/commit.ts";
import { stageThroughPipe } from "../../loaders/store/objects.ts";
import type { IcebergReader } from "../util/iceberg.ts";
import { testRecord, type TestProject } from "../util/project.ts";

/** Versions of a small "events" dataset, pins over them, and the check that icebird reads them as labbook sql does. */
export const T0 = Date.parse("2025-07-01T08:00:00.000Z");
export const DAY = 86_400_000;

/** Rows of every type labbook writes, with nulls; `extra` adds columns (a later version's schema change). */
export const rowsSql = (n: number, extra = "") =>
  `SELECT printf('r%03d', i) AS id, i::INTEGER AS n, (i * 10000000000)::BIGINT AS big, i / 4 AS ratio,
     CASE WHEN i % 3 = 0 THEN NULL ELSE 'name ' || i END AS name, ('{"k": ' || i || '}')::JSON AS payload,
     TIMESTAMPTZ '2025-06-01 00:00:00.123+00' + to_days(i::INTEGER) AS at, DATE '2025-06-01' + i::INTEGER AS day,
     i % 2 = 0 AS even${extra}
   FROM range(${n}) t(i) ORDER BY id`;

/** A version as labbook wrote them before field ids: the same options without FIELD_IDS. */
export async function makeVersionWithoutIds(project: TestProject, dataset: string, select: string, at: number) {
  return withDuckDB(async (con) => {
    const staged = await stageThroughPipe(project.config.dataDir, (pipe) =>
      con.run(`COPY (${select}) TO ${sqlString(pipe)} (FORMAT parquet, COMPRESSION zstd)`).then(() => {}),
    );
    const record = await testRecord(con, dataset, staged, select, at);
    await commitVersion(project.config, dataset, staged, record);
    return staged.version;
  });
}

export async function setPins(project: TestProject, pins: Record<string, Record<string, string>>) {
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
 * is string. (icebird returns instants and dates as JS Dates, in milliseconds: the rows here have no finer digits; a
 * column of Iceberg type date is compared as its `YYYY-MM-DD`, as runSql prints it.)
 */
function normalise(row: Record<string, unknown>, dates: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => {
      if (v === null || v === undefined) return [k, null];
      if (typeof v === "bigint") return [k, Number(v)];
      if (v instanceof Date) return [k, dates.has(k) ? v.toISOString().slice(0, 10) : v.toISOString()];
      if (k === "payload") return [k, typeof v === "string" ? JSON.parse(v) : v];
      return [k, v];
    }),
  );
}

/**
 * Reads every snapshot (by id), every tag and the current snapshot of a table with icebird, and checks each against
 * `labbook sql` for its version: the same rows, the same column types, the row count in the summary.
 */
export async function expectSnapshotsAsSql(
  reader: IcebergReader,
  url: string,
  project: TestProject,
  pins: Record<string, Record<string, string>>,
  versions: string[],
): Promise<void> {
  const meta = await reader.metadata(url);
  const versionOf = (id: number) => meta.snapshots.find((s) => s["snapshot-id"] === id)!.summary["labbook.version"]!;
  const cases = [
    ...meta.snapshots.map((s) => ({ v: versionOf(s["snapshot-id"]), at: { snapshotId: s["snapshot-id"] } })),
    ...Object.entries(meta.refs)
      .filter(([, r]) => r.type === "tag")
      .map(([tag, r]) => ({ v: versionOf(r["snapshot-id"]), at: { tag } })),
    { v: versionOf(meta["current-snapshot-id"]), at: {} },
  ];
  expect(meta.snapshots.map((s) => s.summary["labbook.version"])).toEqual(versions);
  const sqlByVersion = new Map<string, Awaited<ReturnType<typeof sqlOf>>>();
  for (const { v, at } of cases) {
    if (!sqlByVersion.has(v)) sqlByVersion.set(v, await sqlOf(project, pins, "events", v));
    const sql = sqlByVersion.get(v)!;
    const snapshot = meta.snapshots.find((s) => s.summary["labbook.version"] === v)!;
    const schema = meta.schemas.find((s) => s["schema-id"] === snapshot["schema-id"])!;
    const dates = new Set(schema.fields.filter((f) => f.type === "date").map((f) => f.name));
    const rows = (await reader.read(url, at)).map((r) => normalise(r, dates));
    rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(rows, `${v} at ${JSON.stringify(at)}`).toEqual(sql.rows.map((r) => normalise(r, dates)));
    expect(schema.fields.map((f) => [f.name, f.type])).toEqual(
      sql.columns.map((c) => [c.name, ICEBERG_OF_DUCKDB[c.type] ?? c.type]),
    );
    expect(snapshot.summary["labbook.row-count"]).toBe(String(sql.rows.length));
  }
}
