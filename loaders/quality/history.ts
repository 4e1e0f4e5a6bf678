import { listVersions } from "../lineage/catalog.ts";
import { qualityOfRecord } from "./facet.ts";
import type { CheckStatus } from "./run.ts";

export interface CheckHistory {
  dataset: string;
  /** The versions, newest first, up to and including the given one. */
  versions: { version: string; created: string; rows: number }[];
  /** Each check ever recorded, with its status per version (null: not run then, or the version was unchecked). */
  checks: { check: string; statuses: (CheckStatus | null)[]; failing: (number | null)[] }[];
}

/**
 * The history of every check of a dataset across its versions, from the outcomes its ingests and runs recorded in
 * the lineage records: committed, so the same at every clone.
 */
export async function checkHistory(
  lineageDir: string,
  dataset: string,
  options: { upTo?: string; limit?: number } = {},
): Promise<CheckHistory> {
  const all = await listVersions(lineageDir, dataset);
  const from = options.upTo
    ? Math.max(
        0,
        all.findIndex((e) => e.version === options.upTo),
      )
    : 0;
  const entries = all.slice(from, from + (options.limit ?? 30));
  const outcomes = entries.map((e) => new Map((qualityOfRecord(e.record)?.checks ?? []).map((c) => [c.check, c])));
  const names = [...new Set(outcomes.flatMap((o) => [...o.keys()]))].sort();
  return {
    dataset,
    versions: entries.map((e) => ({ version: e.version, created: e.createdAt, rows: e.rowCount })),
    checks: names.map((check) => ({
      check,
      statuses: outcomes.map((o) => o.get(check)?.status ?? null),
      failing: outcomes.map((o) => o.get(check)?.failing ?? null),
    })),
  };
}
