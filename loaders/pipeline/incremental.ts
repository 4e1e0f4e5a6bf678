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

/** The UTC day of a DATE or TIMESTAMPTZ column, as a day number since 1970-01-01. */
const dayNumber = (column: string) => `epoch_ms(CAST(${quoteIdent(column)} AS TIMESTAMPTZ)) // ${DAY_MS}`;

/** "2025-06-01" for a day number. */
export const dayKey = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Per UTC day of `column`, the row count and sum of row hashes of some files: the digest sameRowsBefore compares,
 * one per day. Sums are additive, so a file both sides share can be left out of both.
 */
async function dayDigests(
  con: DuckDBConnection,
  column: string,
  files: readonly string[],
): Promise<Map<string, string>> {
  if (files.length === 0) return new Map();
  const rows = await queryRows<{ d: number; n: number; h: string }>(
    con,
    `SELECT ${dayNumber(column)} AS d, count(*) AS n, CAST(sum(hash(input_row)) AS VARCHAR) AS h
     FROM ${parquet(files)} AS input_row GROUP BY d`,
  );
  return new Map(rows.map((r) => [dayKey(Number(r.d)), `${r.n}:${r.h}`]));
}

/**
 * The UTC days on which two versions of an input hold different rows (as multisets). Partition objects both
 * versions name hold the same rows on both sides, so only the others are read: after an incremental ingest of a
 * partitioned input, that is the partitions it wrote and the ones they replaced.
 */
export async function changedDays(
  con: DuckDBConnection,
  column: string,
  previousFiles: readonly string[],
  currentFiles: readonly string[],
): Promise<Set<string>> {
  const shared = new Set(previousFiles.filter((f) => currentFiles.includes(f)));
  const before = await dayDigests(
    con,
    column,
    previousFiles.filter((f) => !shared.has(f)),
  );
  const after = await dayDigests(
    con,
    column,
    currentFiles.filter((f) => !shared.has(f)),
  );
  const days = new Set<string>();
  for (const [day, digest] of before) if (after.get(day) !== digest) days.add(day);
  for (const [day, digest] of after) if (before.get(day) !== digest) days.add(day);
  return days;
}

/** Which days a partial run recomputes: the listed ones, and with `since` (a recent run's cutoff) every later one. */
export interface DayWindow {
  days: Set<string>;
  since?: Date;
}

/** Whether a day ("YYYY-MM-DD") lies in the window. */
export const inWindow = (w: DayWindow, day: string) =>
  w.days.has(day) || (w.since !== undefined && day >= w.since.toISOString().slice(0, 10));

/** An input view of a partial run of a day-partitioned stage: only the rows of the window's days. */
export function windowInputFilter(incremental: Incremental, input: string, w: DayWindow): string | undefined {
  const column = incremental.inputs[input];
  if (column === undefined) return undefined;
  const col = quoteIdent(column);
  // Runs of consecutive days become one range each, which a scan of sorted files can prune by.
  const starts = [...w.days].sort().map((d) => Date.parse(`${d}T00:00:00Z`));
  const ranges: [number, number][] = [];
  for (const start of starts) {
    const last = ranges.at(-1);
    if (last && last[1] === start) last[1] = start + DAY_MS;
    else ranges.push([start, start + DAY_MS]);
  }
  const terms = ranges.map(([a, b]) => `(${col} >= ${at(new Date(a))} AND ${col} < ${at(new Date(b))})`);
  if (w.since) terms.push(`${col} >= ${at(w.since)}`);
  return terms.length ? terms.join(" OR ") : "false";
}
