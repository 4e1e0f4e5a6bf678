import type { CheckModule } from "../check.ts";
import type { UniqueCheck } from "../spec.ts";
import { columnList } from "./_sql.ts";

/** Key values held by more than one row, with how many rows hold each. The failing count is the number of values. */
export const unique: CheckModule<UniqueCheck> = {
  compile(spec, t) {
    const cols = columnList(t, spec.columns);
    return {
      sql: `SELECT ${cols.join(", ")}, count(*)::INTEGER AS "rows" FROM ${t.rows}
        WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(" AND ")} GROUP BY ${cols.join(", ")} HAVING count(*) > 1`,
    };
  },
};
