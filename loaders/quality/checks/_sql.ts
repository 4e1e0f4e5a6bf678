import { sqlString } from "../../sql-quote.ts";
import type { CheckTarget } from "../check.ts";

/** Validates a non-empty list of the checked dataset's columns and quotes them. */
export function columnList(t: CheckTarget, columns: unknown, option = "columns"): string[] {
  if (!Array.isArray(columns) || columns.length === 0) t.fail(`"${option}" must be a non-empty list of column names`);
  return (columns as string[]).map((c) => t.col(c));
}

/** The columns a failing row shows: the primary key, so a row can be found again, then the checked columns. */
export function keyAnd(t: CheckTarget, columns: string[], alias?: string): string {
  const cols = [...new Set([...t.def.primaryKey, ...columns])].map((c) => t.col(c));
  return cols.map((c) => (alias ? `${alias}.${c}` : c)).join(", ");
}

/** A value as a SQL literal: finite numbers as numbers, strings quoted. Anything else is a definition error. */
export function literal(t: CheckTarget, value: unknown, option: string): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string") return sqlString(value);
  return t.fail(`"${option}" must be a finite number or a string, got ${JSON.stringify(value)}`);
}

/** A whole number option, at least 0. */
export function wholeNumber(t: CheckTarget, value: unknown, option: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    t.fail(`"${option}" must be a whole number of at least 0, got ${JSON.stringify(value)}`);
  return value as number;
}
