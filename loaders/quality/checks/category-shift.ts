import type { CheckModule } from "../check.ts";
import type { CategoryShiftCheck } from "../../datasets/check-spec.ts";
import { against, baselineOf, parseLimit } from "./_drift.ts";

/**
 * One row per category (non-NULL value, as text) that is new, vanished, or, with `maxShareChange`, whose share of the
 * non-NULL rows moved by more than that many percentage points against the compared version.
 */
export const categoryShift: CheckModule<CategoryShiftCheck> = {
  drift: true,
  compile(spec, t) {
    const b = baselineOf(t);
    const [col, prev] = [t.col(spec.column), b.col(spec.column)];
    const limit =
      spec.maxShareChange === undefined
        ? undefined
        : (parseLimit(t, spec.maxShareChange, "maxShareChange", true) as { percent: number });
    const shares = (rows: string, c: string) =>
      `SELECT CAST(${c} AS VARCHAR) AS value, 100.0 * count(*) / sum(count(*)) OVER () AS share
       FROM ${rows} WHERE ${c} IS NOT NULL GROUP BY 1`;
    const shifted = limit ? ` OR abs(cur.share - prev.share) > ${limit.percent}` : "";
    return {
      sql: `SELECT coalesce(cur.value, prev.value) AS value,
          CASE WHEN prev.value IS NULL THEN 'new' WHEN cur.value IS NULL THEN 'vanished' ELSE 'shifted' END AS change,
          round(coalesce(cur.share, 0), 4) AS "sharePercent", round(coalesce(prev.share, 0), 4) AS "previousSharePercent"
        FROM (${shares(t.rows, col)}) AS cur FULL OUTER JOIN (${shares(b.rows, prev)}) AS prev ON cur.value = prev.value
        WHERE cur.value IS NULL OR prev.value IS NULL${shifted}`,
      detail:
        `categories ${against(t)}: none new or vanished` +
        (limit ? `, no share moved by more than ${limit.percent} points` : ""),
    };
  },
};
