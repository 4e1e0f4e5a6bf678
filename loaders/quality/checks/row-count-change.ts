import type { CheckModule } from "../check.ts";
import type { RowCountChangeCheck } from "../../datasets/check-spec.ts";
import { against, baselineOf, parseLimit } from "./_drift.ts";

/** One row (rows, previousRows, changePercent) when the row count moved by more than `max` against the compared version. */
export const rowCountChange: CheckModule<RowCountChangeCheck> = {
  drift: true,
  compile(spec, t) {
    const b = baselineOf(t);
    const limit = parseLimit(t, spec.max, "max");
    // Integer arithmetic: the percentage has at most 4 decimals, so the boundary is exact.
    const moved =
      "percent" in limit
        ? `abs("rows" - "previousRows") * 1000000 > ${Math.round(limit.percent * 10_000)} * "previousRows"`
        : `abs("rows" - "previousRows") > ${limit.count}`;
    return {
      sql: `SELECT "rows", "previousRows",
          CASE WHEN "previousRows" > 0 THEN round(100.0 * ("rows" - "previousRows") / "previousRows", 2) END AS "changePercent"
        FROM (SELECT (SELECT count(*) FROM ${t.rows}) AS "rows", (SELECT count(*) FROM ${b.rows}) AS "previousRows")
        WHERE ${moved}`,
      detail: `row count ${against(t)}: at most ±${spec.max}`,
    };
  },
};
