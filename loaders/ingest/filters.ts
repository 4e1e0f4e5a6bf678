import type { DatasetDef, PostgresSource } from "../datasets/define.ts";
import { usageError } from "../errors.ts";
import { ISO_TIME_EXAMPLES, parseIsoTime } from "../iso-time.ts";

/** Row filters of an ingest. Values only ever reach SQL as bound parameters. */
export interface IngestFilters {
  days?: number;
  since?: string;
  until?: string;
  userId?: string;
}

export interface ResolvedFilters {
  /** ISO timestamps, inclusive lower and exclusive upper bound. */
  since?: string;
  until?: string;
  userId?: string;
}

function iso(name: string, value: string): string {
  const t = parseIsoTime(value);
  if (t === undefined)
    throw usageError(`--${name} takes an ISO 8601 date or timestamp, got "${value}"`, [
      `For example ${ISO_TIME_EXAMPLES}. A time without an offset is UTC.`,
    ]);
  return t;
}

/** Turns `--days` into a lower bound against the given clock, and checks the ISO bounds. */
export function resolveFilters(f: IngestFilters, now: number): ResolvedFilters {
  if (f.days !== undefined && (f.since !== undefined || f.until !== undefined)) {
    throw usageError("--days cannot be combined with --since/--until");
  }
  const out: ResolvedFilters = {};
  if (f.days !== undefined) out.since = new Date(now - f.days * 86_400_000).toISOString();
  if (f.since !== undefined) out.since = iso("since", f.since);
  if (f.until !== undefined) out.until = iso("until", f.until);
  if (out.since && out.until && out.since >= out.until) throw usageError(`--since must be before --until`);
  if (f.userId !== undefined) out.userId = f.userId;
  return out;
}

/** Fails when a filter needs a column that the dataset's source does not have. */
export function assertFilterable(def: DatasetDef, filters: ResolvedFilters): void {
  const source = def.source as PostgresSource;
  if ((filters.since || filters.until) && !source.timeColumn)
    throw usageError(`${def.name} has no time column to filter on`);
  if (filters.userId !== undefined && !source.userColumn)
    throw usageError(`${def.name} has no user column to filter on`);
}
