import { usageError } from "../errors.ts";
import type { OptionValues } from "./command.ts";

/**
 * Reads a whole-number option, with a usage error that names the option and its range. Digits only: "1e9", "0x10"
 * and "2.0" are refused rather than read as something the user may not have meant. The upper bound keeps a number
 * that parses from overflowing what it feeds (a date N days back, a port).
 */
export function intOption(
  values: OptionValues,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw usageError(`--${name} takes a whole number ${range}, got "${String(raw)}"`);
  }
  return n;
}

/** The most days an option that counts back from today takes: about 270 years, well inside what a Date holds. */
export const MAX_DAYS = 100_000;

/** Reads a string option; an empty value ("--user-id ''") is a usage error, as no option means "nothing" by it. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  if (typeof raw !== "string") return undefined;
  if (raw.trim() === "") throw usageError(`--${name} takes a value, got an empty string`);
  return raw;
}

/** Reads an option restricted to a set of choices. */
export function choiceOption<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T))
    throw usageError(`--${name} takes one of ${choices.join(", ")}, got "${String(raw)}"`);
  return raw as T;
}

/**
 * Joins "--days -1" into "--days=-1" for options that take a value. parseArgs would otherwise refuse "-1" as
 * ambiguous and tell the user about its own syntax; joined, the option's own check says what it accepts.
 */
export function joinNegativeNumbers(args: string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (arg.startsWith("--") && options[arg.slice(2)]?.type === "string" && /^-\d/.test(next ?? "")) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
