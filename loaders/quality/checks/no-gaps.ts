import { shortVersion } from "../../lineage/version.ts";
import type { CheckModule } from "../check.ts";
import type { NoGapsCheck } from "../../datasets/check-spec.ts";

/**
 * One row per missing (key, day): days (UTC) inside a window on which the key's series has no row. Windows are each
 * key's own first to last day, or the `within` dataset's [start day, end day) per key, clipped to the span of the
 * checked rows. Only keys that have rows are judged: a version filtered to some users (or to none) says nothing about
 * the others.
 */
export const noGaps: CheckModule<NoGapsCheck> = {
  inputs: (spec) => (spec.within ? [spec.within.dataset] : []),
  compile(spec, t) {
    const col = t.col(spec.column);
    const by = spec.by === undefined ? undefined : t.col(spec.by);
    const key = by ?? "0";
    let series = `SELECT DISTINCT ${key} AS k, CAST(${col} AS DATE) AS day FROM ${t.rows}
      WHERE ${col} IS NOT NULL${by ? ` AND ${by} IS NOT NULL` : ""}`;
    let windows: string;
    let detail: string;
    if (spec.within) {
      const w = t.input(spec.within.dataset);
      const [wKey, start, end] = [spec.within.key, spec.within.start, spec.within.end].map((c) => `w.${w.col(c)}`);
      if (!by) t.fail(`"within" needs "by": the column of ${t.def.name} that matches ${spec.within.key}`);
      // Only keys with a window can have a gap: skip the rest before the costly distinct (key, day).
      series += ` AND ${by} IN (SELECT ${wKey} FROM ${w.rows} AS w)`;
      windows = `SELECT DISTINCT ${wKey} AS k, greatest(CAST(${start} AS DATE), span.lo) AS lo,
          least(coalesce(CAST(${end} AS DATE) - 1, span.hi), span.hi) AS hi
        FROM ${w.rows} AS w, span WHERE ${start} IS NOT NULL AND ${wKey} IN (SELECT k FROM series)`;
      detail = `inside ${w.def.name}@${shortVersion(w.version)} [${spec.within.start}, ${spec.within.end})`;
    } else {
      windows = `SELECT k, min(day) AS lo, max(day) AS hi FROM series GROUP BY k`;
      detail = "between each series' first and last day";
    }
    return {
      sql: `WITH series AS (${series}),
          span AS (SELECT CAST(min(${col}) AS DATE) AS lo, CAST(max(${col}) AS DATE) AS hi FROM ${t.rows}),
          windows AS (${windows}),
          days AS (SELECT k, CAST(unnest(generate_series(CAST(lo AS TIMESTAMP), CAST(hi AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day
            FROM windows WHERE lo <= hi)
        SELECT DISTINCT ${by ? `d.k AS ${by}, ` : ""}strftime(d.day, '%Y-%m-%d') AS day FROM days AS d
        WHERE NOT EXISTS (SELECT 1 FROM series AS s WHERE s.k = d.k AND s.day = d.day)`,
      detail,
    };
  },
};
