import type { Severity } from "../datasets/check-spec.ts";

/** `>N` or `>=N` failing, or `>P%` / `>=P%` of the checked version's rows. */
export interface Threshold {
  /** The condition as written, normalised (no spaces), e.g. ">1%". */
  text: string;
  inclusive: boolean;
  /** A count, or a percentage of rows when `percent`. */
  value: number;
  percent: boolean;
}

const PATTERN = /^(>=?)\s*([0-9]+(?:\.[0-9]{1,4})?)\s*(%?)$/;

/** Parses a threshold, or returns why it is malformed. Counts are whole; percentages at most 100, 4 decimals. */
export function parseThreshold(text: unknown): Threshold | string {
  const m = typeof text === "string" ? PATTERN.exec(text.trim()) : null;
  if (!m) return `must read ">N", ">=N", ">P%" or ">=P%" (e.g. ">0", ">1%"), got ${JSON.stringify(text)}`;
  const percent = m[3] === "%";
  const value = Number(m[2]);
  if (!percent && !Number.isInteger(value)) return `a count must be whole, got ${JSON.stringify(text)}`;
  if (percent && value > 100) return `a percentage must be at most 100, got ${JSON.stringify(text)}`;
  return { text: `${m[1]}${m[2]}${m[3]}`, inclusive: m[1] === ">=", value, percent };
}

/**
 * Whether `failing` meets the threshold. A percentage compares failing/rows exactly (no floating point rounding at
 * the boundary): ">1%" of 1,000 rows passes 10 failing and trips on 11.
 */
export function exceeds(t: Threshold, failing: number, rows: number): boolean {
  if (!t.percent) return t.inclusive ? failing >= t.value : failing > t.value;
  // failing/rows vs value/100, as integers: value has at most 4 decimals.
  const scaled = Math.round(t.value * 10_000);
  const left = failing * 100 * 10_000;
  const right = scaled * rows;
  return t.inclusive ? left >= right : left > right;
}

/** The thresholds a check is judged by once defaults are filled in; null where it can never reach that status. */
export interface Judgement {
  warnIf: Threshold | null;
  errorIf: Threshold | null;
}

/**
 * The effective thresholds. Without any, an `error` check errors and a `warn` check warns above `allowed` (today's
 * rule). As in dbt, when either is given, an unset `warnIf` is `>allowed`, so an `errorIf: ">1%"` check warns on
 * fewer failing rows; a `warn` check never errors, so it takes no `errorIf`.
 */
export function judgement(
  spec: { severity?: Severity; warnIf?: string; errorIf?: string },
  allowed: number,
  fail: (message: string) => never,
): Judgement {
  const parse = (option: "warnIf" | "errorIf"): Threshold | undefined => {
    if (spec[option] === undefined) return undefined;
    const t = parseThreshold(spec[option]);
    return typeof t === "string" ? fail(`"${option}" ${t}`) : t;
  };
  const warnIf = parse("warnIf");
  const errorIf = parse("errorIf");
  const base: Threshold = { text: `>${allowed}`, inclusive: false, value: allowed, percent: false };
  if ((spec.severity ?? "error") === "warn") {
    if (errorIf) fail(`a check of severity "warn" never errors: drop "errorIf", or the severity`);
    return { warnIf: warnIf ?? base, errorIf: null };
  }
  if (!warnIf && !errorIf) return { warnIf: null, errorIf: base };
  return { warnIf: warnIf ?? base, errorIf: errorIf ?? base };
}

export const usesPercent = (j: Judgement): boolean => Boolean(j.warnIf?.percent || j.errorIf?.percent);

/** The status `failing` earns: fail when errorIf trips, else warn when warnIf trips, else pass. */
export function judge(j: Judgement, failing: number, rows: number): "pass" | "warn" | "fail" {
  if (j.errorIf && exceeds(j.errorIf, failing, rows)) return "fail";
  if (j.warnIf && exceeds(j.warnIf, failing, rows)) return "warn";
  return "pass";
}
