import { sqlString } from "../../sql-quote.ts";
import type { CheckModule } from "../check.ts";
import type { NullRateChangeCheck } from "../../datasets/check-spec.ts";
import { columnList } from "./_sql.ts";
import { against, baselineOf, parseLimit } from "./_drift.ts";

/** One row per column whose share of NULLs (in percent) moved by more than `max` points; an empty version has 0%. */
export const nullRateChange: CheckModule<NullRateChangeCheck> = {
  drift: true,
  compile(spec, t) {
    const b = baselineOf(t);
    const cols = columnList(t, spec.columns);
    const limit = parseLimit(t, spec.max, "max", true) as { percent: number };
    const share = (rows: string, col: string) =>
      `(SELECT coalesce(100.0 * count(*) FILTER (WHERE ${col} IS NULL) / nullif(count(*), 0), 0) FROM ${rows})`;
    const perColumn = spec.columns.map(
      (name, i) =>
        `SELECT ${sqlString(name)} AS "column", ${share(t.rows, cols[i]!)} AS "nullPercent",
          ${share(b.rows, b.col(name))} AS "previousNullPercent"`,
    );
    return {
      sql: `SELECT "column", round("nullPercent", 4) AS "nullPercent", round("previousNullPercent", 4) AS "previousNullPercent"
        FROM (${perColumn.join(" UNION ALL ")}) WHERE abs("nullPercent" - "previousNullPercent") > ${limit.percent}`,
      detail: `NULL share ${against(t)}: at most ±${limit.percent} points`,
    };
  },
};
