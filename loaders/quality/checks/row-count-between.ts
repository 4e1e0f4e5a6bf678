import type { CheckModule } from "../check.ts";
import type { RowCountBetweenCheck } from "../../datasets/check-spec.ts";
import { wholeNumber } from "./_sql.ts";

/** One row holding the row count when it lies outside [min, max]; none otherwise. */
export const rowCountBetween: CheckModule<RowCountBetweenCheck> = {
  compile(spec, t) {
    if (spec.min === undefined && spec.max === undefined) t.fail(`give "min", "max" or both`);
    const outside: string[] = [];
    if (spec.min !== undefined) outside.push(`count(*) < ${wholeNumber(t, spec.min, "min")}`);
    if (spec.max !== undefined) outside.push(`count(*) > ${wholeNumber(t, spec.max, "max")}`);
    const range = `[${spec.min ?? 0}, ${spec.max ?? "∞"}]`;
    return {
      sql: `SELECT count(*) AS "rowCount" FROM ${t.rows} HAVING ${outside.join(" OR ")}`,
      detail: `expected ${range} rows`,
    };
  },
};
