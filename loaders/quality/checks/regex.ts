import { sqlString } from "../../sql-quote.ts";
import type { CheckModule } from "../check.ts";
import type { RegexCheck } from "../../datasets/check-spec.ts";
import { keyAnd } from "./_sql.ts";

/** Rows whose non-NULL value, as text, does not match the whole pattern. */
export const regex: CheckModule<RegexCheck> = {
  countsRows: true,
  compile(spec, t) {
    const col = t.col(spec.column);
    let pattern: string;
    if (spec.pattern instanceof RegExp) {
      // DuckDB's RE2 has no JS flags; refuse them rather than silently ignore them.
      if (spec.pattern.flags) t.fail(`"pattern" must not have flags (got /${spec.pattern.flags})`);
      pattern = spec.pattern.source;
    } else if (typeof spec.pattern === "string" && spec.pattern.length > 0) pattern = spec.pattern;
    else return t.fail(`"pattern" must be a non-empty string or a RegExp`);
    return {
      sql: `SELECT ${keyAnd(t, [spec.column])} FROM ${t.rows}
        WHERE ${col} IS NOT NULL AND NOT regexp_full_match(CAST(${col} AS VARCHAR), ${sqlString(pattern)})`,
    };
  },
};
