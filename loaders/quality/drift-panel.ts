import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import type { DatasetDef } from "../datasets/define.ts";
import { quoteIdent } from "../sql-quote.ts";
import { parquet, queryRows } from "../duckdb.ts";
import { requireFiles } from "../store/files.ts";
import { isDriftCheck } from "./checks/index.ts";
import { storeContext } from "./context.ts";
import { runChecksOnFile, type CheckResult } from "./run.ts";

/** How many bins a distribution chart has, and how many categories a shares chart shows at most. */
const BINS = 20;
const CATEGORIES = 30;

export interface DriftPanel {
  dataset: string;
  version: string;
  /** The previous version it is compared with; null when there is none or it cannot be read (see `note`). */
  against: string | null;
  note?: string;
  rows?: { current: number; previous: number };
  /** The dataset's drift checks, run on this pair. */
  checks: CheckResult[];
  /** Per distribution_shift column: equal-width bins over both versions' range, each version's share per bin. */
  distributions: { column: string; bins: { lo: number; hi: number; current: number; previous: number }[] }[];
  /** Per category_shift column: each category's share of the non-NULL rows in either version (largest first). */
  categories: { column: string; values: { value: string; current: number; previous: number }[] }[];
}

/**
 * The quality page's drift panel for one pinned version: its drift checks against the previous version, and the
 * small series that chart the distributions and category shares those checks watch. Aggregates only, a few KB.
 */
export async function driftPanel(
  con: DuckDBConnection,
  config: Config,
  def: DatasetDef,
  version: string,
  options: { pins?: Record<string, string>; clock?: () => number } = {},
): Promise<DriftPanel> {
  const context = await storeContext(config, def, {
    version,
    pins: options.pins,
    onlyPinned: true,
    clock: options.clock,
  });
  const empty = { dataset: def.name, version, checks: [], distributions: [], categories: [] };
  const baseline = await context.baseline!("previous");
  if (!baseline) return { ...empty, against: null, note: "first version: nothing to compare" };
  if ("skipped" in baseline) return { ...empty, against: null, note: baseline.skipped };
  const file = await requireFiles(config.dataDir, version, def.name);
  const drift = { ...def, checks: (def.checks ?? []).filter((c) => isDriftCheck(c.type)) };
  const report = await runChecksOnFile(con, drift, file, { ...context, baseline: async () => baseline });
  const [cur, prev] = [parquet(file), parquet(baseline.files)];
  const [counts] = await queryRows<{ current: bigint; previous: bigint }>(
    con,
    `SELECT (SELECT count(*) FROM ${cur}) AS current, (SELECT count(*) FROM ${prev}) AS previous`,
  );
  const distributions = [];
  const categories = [];
  for (const spec of drift.checks) {
    if (spec.type === "distribution_shift") {
      const col = quoteIdent(spec.column);
      const rows = await queryRows<{ bin: number; lo: number; hi: number; current: number; previous: number }>(
        con,
        `WITH v AS (SELECT CAST(${col} AS DOUBLE) AS x, 1 AS c, 0 AS p FROM ${cur} WHERE ${col} IS NOT NULL
            UNION ALL SELECT CAST(${col} AS DOUBLE), 0, 1 FROM ${prev} WHERE ${col} IS NOT NULL),
          r AS (SELECT min(x) AS lo, greatest(max(x) - min(x), 1e-9) / ${BINS} AS w FROM v),
          b AS (SELECT least(CAST(floor((x - r.lo) / r.w) AS INTEGER), ${BINS - 1}) AS bin, c, p FROM v, r)
        SELECT bin, any_value(r.lo + bin * r.w) AS lo, any_value(r.lo + (bin + 1) * r.w) AS hi,
          sum(c) / (SELECT greatest(sum(c), 1) FROM v) AS current, sum(p) / (SELECT greatest(sum(p), 1) FROM v) AS previous
        FROM b, r GROUP BY bin ORDER BY bin`,
      );
      distributions.push({ column: spec.column, bins: rows.map(({ bin: _b, ...r }) => r) });
    }
    if (spec.type === "category_shift") {
      const col = quoteIdent(spec.column);
      const shares = (rows: string) =>
        `SELECT CAST(${col} AS VARCHAR) AS value, count(*) / sum(count(*)) OVER () AS share FROM ${rows} WHERE ${col} IS NOT NULL GROUP BY 1`;
      const values = await queryRows<{ value: string; current: number; previous: number }>(
        con,
        `SELECT coalesce(c.value, p.value) AS value, coalesce(c.share, 0) AS current, coalesce(p.share, 0) AS previous
        FROM (${shares(cur)}) AS c FULL OUTER JOIN (${shares(prev)}) AS p ON c.value = p.value
        ORDER BY greatest(current, previous) DESC, value LIMIT ${CATEGORIES}`,
      );
      categories.push({ column: spec.column, values });
    }
  }
  return {
    ...empty,
    against: baseline.version,
    rows: { current: Number(counts!.current), previous: Number(counts!.previous) },
    checks: report.results,
    distributions,
    categories,
  };
}
