import type { DuckDBConnection } from "@duckdb/node-api";
import type { DatasetDef, Incremental } from "../datasets/define.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { parquet, queryRows, type ParquetFiles } from "../duckdb.ts";

const DAY_MS = 86_400_000;

/**
 * The cutoff of a recent run: midnight UTC of the newest day in the anchor input, minus N-1 days (so N days are
 * recomputed), moved back to a Monday for per-week stages. Relative to the data, not the clock, so a run is
 * reproducible. Undefined when the anchor input is empty.
 */
export async function recentCutoff(
  con: DuckDBConnection,
  incremental: Incremental,
  inputPaths: Record<string, ParquetFiles>,
  days: number,
): Promise<Date | undefined> {
  const [anchor, column] = Object.entries(incremental.inputs)[0]!;
  const [row] = await queryRows<{ newest: Date | null }>(
    con,
    `SELECT max(${quoteIdent(column)})::TIMESTAMPTZ AS newest FROM ${parquet(inputPaths[anchor]!)}`,
  );
  const newest = row?.newest;
  if (!newest) return undefined;
  const newestDay = Math.floor(new Date(newest).getTime() / DAY_MS) * DAY_MS;
  let cutoff = newestDay - (days - 1) * DAY_MS;
  if (incremental.align === "isoweek") {
    // 1970-01-01 was a Thursday: day k is a Monday when (k + 3) % 7 == 0.
    const sinceMonday = (((cutoff / DAY_MS + 3) % 7) + 7) % 7;
    cutoff -= sinceMonday * DAY_MS;
  }
  return new Date(cutoff);
}

const at = (cutoff: Date) => `TIMESTAMPTZ ${sqlString(cutoff.toISOString())}`;

/** An input view of a recent run: only the rows at or after the cutoff. */
export function recentInputFilter(incremental: Incremental, input: string, cutoff: Date): string | undefined {
  const column = incremental.inputs[input];
  return column === undefined ? undefined : `${quoteIdent(column)} >= ${at(cutoff)}`;
}

/**
 * Merges a recent recompute with the previous version: rows before the cutoff come from `previousView`, the rest
 * from `fresh` (the stage's casted result). The caller orders the union.
 */
export function mergeRecent(def: DatasetDef, fresh: string, previousView: string, cutoff: Date, columns: string[]) {
  const col = quoteIdent(def.derive!.incremental!.column);
  return (
    `SELECT ${columns.map(quoteIdent).join(", ")} FROM ${previousView} WHERE ${col} < ${at(cutoff)}\n` +
    `UNION ALL\nSELECT * FROM (${fresh}) AS fresh WHERE ${col} >= ${at(cutoff)}`
  );
}

/**
 * Whether two versions of an input hold the same rows before the cutoff, as a multiset: the same count and the same
 * sum of row hashes. Order-free, so a re-sorted or re-encoded file with the same rows still matches.
 */
export async function sameRowsBefore(
  con: DuckDBConnection,
  column: string,
  cutoff: Date,
  previousPath: ParquetFiles,
  currentPath: ParquetFiles,
): Promise<boolean> {
  const digest = async (file: ParquetFiles) => {
    // The alias names the whole row as a struct; sum() of 64-bit hashes widens to HUGEINT, so it cannot overflow.
    const [row] = await queryRows<{ n: number; h: string | null }>(
      con,
      `SELECT count(*) AS n, CAST(sum(hash(input_row)) AS VARCHAR) AS h
       FROM ${parquet(file)} AS input_row WHERE ${quoteIdent(column)} < ${at(cutoff)}`,
    );
    return `${row!.n}:${row!.h}`;
  };
  return (await digest(previousPath)) === (await digest(currentPath));
}
