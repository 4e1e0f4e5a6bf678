import type { CheckModule } from "../check.ts";
import type { AcceptedValuesCheck } from "../../datasets/check-spec.ts";
import { keyAnd, literal } from "./_sql.ts";

/** Rows whose non-NULL value is not one of the accepted values. */
export const acceptedValues: CheckModule<AcceptedValuesCheck> = {
  countsRows: true,
  compile(spec, t) {
    const col = t.col(spec.column);
    if (!Array.isArray(spec.values) || spec.values.length === 0) t.fail(`"values" must be a non-empty list`);
    const values = spec.values.map((v, i) => literal(t, v, `values[${i}]`));
    return {
      sql: `SELECT ${keyAnd(t, [spec.column])} FROM ${t.rows} WHERE ${col} IS NOT NULL AND ${col} NOT IN (${values.join(", ")})`,
    };
  },
};
