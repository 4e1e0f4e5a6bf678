import type { DuckDBConnection } from "@duckdb/node-api";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDataset } from "../../loaders/datasets/index.ts";
import { sqlString } from "../../loaders/sql-quote.ts";
import { queryRows } from "../../loaders/duckdb.ts";
import { validateStaged } from "../../loaders/ingest/validate.ts";
import { suiteDuckDB } from "../util/duckdb.ts";

const def = getDataset("context_metadata");
const ROWS = 20_000;

/**
 * context_metadata rows written as Parquet in row groups of `groupSize`, with nulls spread over the groups in
 * different patterns per column. Invalid: rows whose number is a multiple of 500 carry an id that is no cuid, and
 * rows numbered 1 more than a multiple of 1000 have no userId.
 */
function writeSql(file: string, groupSize: number): string {
  return `COPY (
    SELECT CASE WHEN i % 500 = 0 THEN 'bad-' || i ELSE 'c' || lpad(CAST(i AS VARCHAR), 24, '0') END AS id,
      CASE WHEN i % 1000 = 1 THEN NULL ELSE 'user-' || (i % 40) END AS "userId",
      TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i) AS "timestamp",
      CASE WHEN i % 7 = 0 THEN NULL ELSE ['LOW', 'MEDIUM', 'HIGH'][i % 3 + 1] END AS mood,
      CASE WHEN i % 11 = 0 THEN NULL ELSE i % 10 + 1 END::INTEGER AS "energyLevel",
      CASE WHEN i < 1000 THEN NULL ELSE 'HOME' END AS location,
      CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END AS notes,
      (i % 12)::DOUBLE AS "sleepHours",
      NULL::INTEGER AS "sleepQuality",
      CASE WHEN i >= 19800 THEN NULL ELSE i / 100 END::DOUBLE AS "hrvScore",
      60::INTEGER AS "restingHeartRate"
    FROM range(${ROWS}) t(i)
  ) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE ${groupSize})`;
}

describe("validateStaged", () => {
  const db = suiteDuckDB();
  let con: DuckDBConnection;
  let dir: string;
  beforeAll(async () => {
    con = db();
    dir = await mkdtemp(path.join(tmpdir(), "labbook-validate-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("counts rows, rejects and nulls per column over many row groups, as a scan does", async () => {
    const columns = Object.keys(def.schema.shape);
    const file = path.join(dir, "groups.parquet");
    await con.run(writeSql(file, 2048));
    const [meta] = await queryRows<{ groups: number }>(
      con,
      `SELECT num_row_groups::INTEGER AS groups FROM parquet_file_metadata(${sqlString(file)})`,
    );
    expect(meta!.groups).toBeGreaterThan(5);

    const outcome = await validateStaged(con, def, file, "strict");
    const [scan] = await queryRows<Record<string, number>>(
      con,
      `SELECT ${columns.map((c) => `(count(*) - count("${c}"))::INTEGER AS "${c}"`).join(", ")}
       FROM read_parquet(${sqlString(file)})`,
    );
    expect(outcome.summary).toEqual({
      mode: "strict",
      rowsRead: ROWS,
      rowsValid: ROWS - ROWS / 500 - ROWS / 1000,
      rowsRejected: ROWS / 500 + ROWS / 1000,
      nullsPerColumn: scan,
    });
    expect(outcome.summary.nullsPerColumn).toMatchObject({
      mood: Math.ceil(ROWS / 7),
      location: 1000,
      sleepQuality: ROWS,
      hrvScore: 200,
      userId: ROWS / 1000,
      timestamp: 0,
    });
    expect(outcome.firstErrors).toHaveLength(5);
    for (const e of outcome.firstErrors)
      expect([`${e.column}: ${e.rule}`]).toEqual([
        e.column === "id" ? "id: matches /^c[a-z0-9]{24}$/" : "userId: not null",
      ]);

    const skipped = await validateStaged(con, def, file, "skipped");
    expect(skipped.summary).toMatchObject({ rowsRead: ROWS, rowsRejected: 0, nullsPerColumn: scan });
  });

  it("gives an empty file zero nulls in every column", async () => {
    const file = path.join(dir, "empty.parquet");
    await con.run(writeSql(file, 2048).replace(`range(${ROWS})`, "range(0)"));
    const outcome = await validateStaged(con, def, file, "strict");
    expect(outcome.summary).toMatchObject({ rowsRead: 0, rowsRejected: 0 });
    expect(Object.values(outcome.summary.nullsPerColumn)).toEqual(Object.keys(def.schema.shape).map(() => 0));
  });
});
