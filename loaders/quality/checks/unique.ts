import type { CheckModule } from "../check.ts";
import type { UniqueCheck } from "../../datasets/check-spec.ts";
import { columnList } from "./_sql.ts";

/** Key values held by more than one row, with how many rows hold each. The failing count is the number of values. */
export const unique: CheckModule<UniqueCheck> = {
  countsRows: true,
  compile(spec, t) {
    const list = columnList(t, spec.columns);
    const cols = list.join(", ");
    const present = list.map((c) => `${c} IS NOT NULL`).join(" AND ");
    // As in duplicate_count: candidates by hash first, then exact groups among them.
    return {
      sql: `SELECT ${cols}, count(*)::INTEGER AS "rows" FROM ${t.rows}
        WHERE ${present} AND hash(${cols}) IN (
          SELECT hash(${cols}) AS h FROM ${t.rows} WHERE ${present} GROUP BY h HAVING count(*) > 1)
        GROUP BY ${cols} HAVING count(*) > 1`,
    };
  },
};
