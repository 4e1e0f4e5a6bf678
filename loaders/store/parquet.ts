import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../sql-quote.ts";
import { parquet, queryRows } from "../duckdb.ts";
import { stageThroughPipe, type StagedFile } from "./objects.ts";

/**
 * How every version is written: zstd, fixed row groups, so the same rows in the same order give the same bytes. Each
 * column carries a Parquet field id (DuckDB numbers them depth-first from 0), which Iceberg readers match columns by
 * (see loaders/iceberg/schema.ts); versions written before the ids are mapped by name instead.
 */
export const PARQUET_OPTIONS =
  "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880, FIELD_IDS 'auto'";

/** Writes the result of a DuckDB query to a staged Parquet file, hashed as it is written. */
export function stageQuery(con: DuckDBConnection, dataDir: string, select: string): Promise<StagedFile> {
  return stageThroughPipe(dataDir, async (pipe) => {
    await con.run(`COPY (${select}) TO ${sqlString(pipe)} (${PARQUET_OPTIONS})`);
  });
}

/** Column names and DuckDB types of a Parquet file. */
export async function parquetSchema(
  con: DuckDBConnection,
  file: string | readonly string[],
): Promise<{ name: string; type: string }[]> {
  const rows = await queryRows<{ column_name: string; column_type: string }>(
    con,
    `DESCRIBE SELECT * FROM ${parquet(file)}`,
  );
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
}

/** Row count from the Parquet footer, without scanning the data. */
export async function parquetRowCount(con: DuckDBConnection, file: string | readonly string[]): Promise<number> {
  const files = typeof file === "string" ? sqlString(file) : `[${file.map(sqlString).join(", ")}]`;
  const [row] = await queryRows<{ n: number }>(
    con,
    `SELECT coalesce(sum(num_rows), 0)::BIGINT AS n FROM parquet_file_metadata(${files})`,
  );
  return Number(row!.n);
}
