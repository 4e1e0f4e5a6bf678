import type { CheckModule } from "../check.ts";
import type { NotNullCheck } from "../../datasets/check-spec.ts";
import { columnList, keyAnd } from "./_sql.ts";

/** Rows with a NULL in any of the columns. */
export const notNull: CheckModule<NotNullCheck> = {
  countsRows: true,
  compile(spec, t) {
    const cols = columnList(t, spec.columns);
    return {
      sql: `SELECT ${keyAnd(t, spec.columns)} FROM ${t.rows} WHERE ${cols.map((c) => `${c} IS NULL`).join(" OR ")}`,
    };
  },
};
