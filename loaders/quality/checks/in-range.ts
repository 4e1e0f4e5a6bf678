import { sqlString } from "../../sql-quote.ts";
import { parseIsoTime } from "../../iso-time.ts";
import type { CheckModule, CheckTarget } from "../check.ts";
import type { InRangeCheck } from "../../datasets/check-spec.ts";
import { keyAnd } from "./_sql.ts";

/** A bound as SQL: a number, or an ISO timestamp given as a string. */
function bound(t: CheckTarget, value: unknown, option: string): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  const time = typeof value === "string" ? parseIsoTime(value) : undefined;
  if (time !== undefined) return `TIMESTAMPTZ ${sqlString(time)}`;
  return t.fail(`"${option}" must be a finite number or an ISO timestamp, got ${JSON.stringify(value)}`);
}

/** Rows whose non-NULL value lies below min or above max (both inclusive bounds). */
export const inRange: CheckModule<InRangeCheck> = {
  countsRows: true,
  compile(spec, t) {
    const col = t.col(spec.column);
    if (spec.min === undefined && spec.max === undefined) t.fail(`give "min", "max" or both`);
    const outside: string[] = [];
    if (spec.min !== undefined) outside.push(`${col} < ${bound(t, spec.min, "min")}`);
    if (spec.max !== undefined) outside.push(`${col} > ${bound(t, spec.max, "max")}`);
    return {
      sql: `SELECT ${keyAnd(t, [spec.column])} FROM ${t.rows} WHERE ${col} IS NOT NULL AND (${outside.join(" OR ")})`,
    };
  },
};
