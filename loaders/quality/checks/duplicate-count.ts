import type { CheckModule } from "../check.ts";
import type { DuplicateCountCheck } from "../../datasets/check-spec.ts";
import { columnList, wholeNumber } from "./_sql.ts";

/**
 * Groups of rows equal on the columns (NULLs equal), with their number of copies. The failing count is the number of
 * extra copies, so three rows written twice count 3; up to `max` are tolerated.
 */
export const duplicateCount: CheckModule<DuplicateCountCheck> = {
  countsRows: true,
  compile(spec, t) {
    const cols = columnList(t, spec.columns).join(", ");
    // Grouping on a 64-bit hash first keeps the hash table small on wide keys; the exact grouping then only sees
    // the few candidate rows, so hash collisions cannot produce false duplicates.
    return {
      sql: `SELECT ${cols}, count(*)::INTEGER AS "copies" FROM ${t.rows}
        WHERE hash(${cols}) IN (SELECT hash(${cols}) AS h FROM ${t.rows} GROUP BY h HAVING count(*) > 1)
        GROUP BY ${cols} HAVING count(*) > 1`,
      count: `coalesce(sum("copies" - 1), 0)`,
      allowed: spec.max === undefined ? 0 : wholeNumber(t, spec.max, "max"),
    };
  },
};
