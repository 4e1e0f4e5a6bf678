import { usageError } from "../errors.ts";
import type { OptionValues } from "./command.ts";

/** Reads a whole-number option, with a usage error that names the option. */
export function intOption(values: OptionValues, name: string, fallback: number, min = 0): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(n) || n < min) {
    throw usageError(`--${name} takes a whole number of at least ${min}, got "${String(raw)}"`);
  }
  return n;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === "string" ? raw : undefined;
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
