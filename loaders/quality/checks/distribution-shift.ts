import type { CheckModule, CheckTarget } from "../check.ts";
import type { DistributionShiftCheck } from "../../datasets/check-spec.ts";
import { against, baselineOf } from "./_drift.ts";

/** Defaults: PSI above 0.25 is a significant shift by the usual rule of thumb (Siddiqi 2006); KS D above 0.1. */
export const DEFAULT_MAX = { psi: 0.25, ks: 0.1 } as const;

/** Shares of an empty bin are floored here, as is customary, so that ln(a/e) stays finite. */
const EMPTY_BIN_SHARE = 0.0001;

/** The non-NULL values of a column as DOUBLE: `x`. */
const values = (rows: string, col: string) =>
  `SELECT CAST(${col} AS DOUBLE) AS x FROM ${rows} WHERE ${col} IS NOT NULL`;

/**
 * Population stability index: the compared version's deciles cut both versions into bins (tied deciles merge), and
 * PSI = Σ (a − e) · ln(a / e) over the bins' shares a (checked) and e (compared).
 */
export function psiSql(current: string, previous: string): string {
  return `WITH cur AS (${current}), prev AS (${previous}),
    edges AS (SELECT list_sort(list_distinct(quantile_disc(x, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]))) AS e FROM prev),
    binned AS (
      SELECT 1 AS a, 0 AS p, len(list_filter(edges.e, v -> v < x)) AS bin FROM cur, edges
      UNION ALL SELECT 0, 1, len(list_filter(edges.e, v -> v < x)) FROM prev, edges),
    counts AS (SELECT bin, sum(a) AS a, sum(p) AS p FROM binned GROUP BY bin),
    shares AS (SELECT greatest(a / sum(a) OVER (), ${EMPTY_BIN_SHARE}) AS a,
      greatest(p / sum(p) OVER (), ${EMPTY_BIN_SHARE}) AS p FROM counts)
    SELECT sum((a - p) * ln(a / p)) AS statistic, count(*) AS bins,
      (SELECT count(*) FROM cur) AS "rows", (SELECT count(*) FROM prev) AS "previousRows" FROM shares`;
}

/** Two-sample Kolmogorov–Smirnov statistic D: the largest gap between the two empirical distribution functions. */
export function ksSql(current: string, previous: string): string {
  return `WITH v AS (SELECT x, 1 AS a, 0 AS p FROM (${current}) UNION ALL SELECT x, 0, 1 FROM (${previous})),
    g AS (SELECT x, sum(a) AS a, sum(p) AS p FROM v GROUP BY x),
    c AS (SELECT sum(a) OVER w / sum(a) OVER () AS fa, sum(p) OVER w / sum(p) OVER () AS fp FROM g
      WINDOW w AS (ORDER BY x ROWS UNBOUNDED PRECEDING))
    SELECT max(abs(fa - fp)) AS statistic, (SELECT sum(a) FROM g) AS "rows", (SELECT sum(p) FROM g) AS "previousRows" FROM c`;
}

function maxOf(t: CheckTarget, spec: DistributionShiftCheck): number {
  const max = spec.max ?? DEFAULT_MAX[spec.method];
  if (typeof max !== "number" || !Number.isFinite(max) || max <= 0)
    t.fail(`"max" must be a positive number, got ${JSON.stringify(spec.max)}`);
  return max;
}

/**
 * One row (statistic, counts) when the statistic, to 9 decimals (so that float noise cannot decide a boundary),
 * exceeds `max`; none when either version has no value.
 */
export const distributionShift: CheckModule<DistributionShiftCheck> = {
  drift: true,
  compile(spec, t) {
    const b = baselineOf(t);
    if (spec.method !== "psi" && spec.method !== "ks") t.fail(`"method" must be "psi" or "ks"`);
    const max = maxOf(t, spec);
    const [cur, prev] = [values(t.rows, t.col(spec.column)), values(b.rows, b.col(spec.column))];
    const sql = spec.method === "psi" ? psiSql(cur, prev) : ksSql(cur, prev);
    return {
      sql: `SELECT round(statistic, 6) AS ${spec.method}, * EXCLUDE (statistic) FROM (${sql}) WHERE round(statistic, 9) > ${max}`,
      detail: `${spec.method === "psi" ? "PSI" : "KS D"} of ${spec.column} ${against(t)}: at most ${max}`,
    };
  },
};
