import { shortVersion } from "../../lineage/version.ts";
import type { CheckTarget } from "../check.ts";

/** The compared version; the runner sets it for every module marked `drift`. */
export function baselineOf(t: CheckTarget): NonNullable<CheckTarget["baseline"]> {
  return t.baseline ?? t.fail("a drift check ran without a compared version");
}

/** "20%" → {percent: 20}, "500" → {count: 500}; `percentOnly` refuses counts (a share is always a percentage). */
export function parseLimit(
  t: CheckTarget,
  value: unknown,
  option: string,
  percentOnly = false,
): { percent: number } | { count: number } {
  const m = typeof value === "string" ? /^([0-9]+(?:\.[0-9]{1,4})?)(%?)$/.exec(value.trim()) : null;
  if (m && m[2] === "%") return { percent: Number(m[1]) };
  if (m && !percentOnly && Number.isInteger(Number(m[1]))) return { count: Number(m[1]) };
  return t.fail(
    `"${option}" must be ${percentOnly ? 'a percentage such as "5%"' : 'a percentage such as "20%" or a whole count such as "500"'}, got ${JSON.stringify(value)}`,
  );
}

export const against = (t: CheckTarget) => `against ${shortVersion(baselineOf(t).version)}`;
