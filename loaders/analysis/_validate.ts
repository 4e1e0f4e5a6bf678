import { LabbookError } from "../errors.ts";

/** Which way a therapeutic improvement moves the outcome. */
export type Direction = "increase" | "decrease";

/** Throws the one error type of this folder: "<fn>: <detail>", code E_STATS. */
export function statsError(fn: string, detail: string): LabbookError {
  return new LabbookError(`${fn}: ${detail}`, { code: "E_STATS" });
}

/** Checks that a phase has at least `min` observations, all finite. */
export function checkPhase(fn: string, name: string, values: readonly number[], min = 1): void {
  if (values.length === 0) throw statsError(fn, `${name} is empty`);
  values.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw statsError(fn, `${name} has a non-finite value (${String(v)}) at index ${i}`);
    }
  });
  if (values.length < min) {
    const count = `${values.length} observation${values.length === 1 ? "" : "s"}`;
    throw statsError(fn, `${name} has ${count}; at least ${min} are needed`);
  }
}

/** Checks both phases of an A-versus-B comparison. */
export function checkPhases(fn: string, a: readonly number[], b: readonly number[], min = 1): void {
  checkPhase(fn, "phase A", a, min);
  checkPhase(fn, "phase B", b, min);
}

export function checkDirection(fn: string, direction: unknown): Direction {
  if (direction === undefined) return "increase";
  if (direction === "increase" || direction === "decrease") return direction;
  throw statsError(fn, `direction must be "increase" or "decrease", got ${JSON.stringify(direction)}`);
}

export function checkConfidence(fn: string, confidence: unknown): number {
  if (confidence === undefined) return 0.95;
  if (typeof confidence === "number" && confidence > 0 && confidence < 1) return confidence;
  throw statsError(fn, `confidence must be a number between 0 and 1, got ${String(confidence)}`);
}

/** Checks an option that must be one of a few strings; returns the default when it is undefined. */
export function checkChoice<T extends string>(fn: string, name: string, value: unknown, choices: readonly T[]): T {
  if (value === undefined) return choices[0] as T;
  if (choices.includes(value as T)) return value as T;
  throw statsError(
    fn,
    `${name} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${JSON.stringify(value)}`,
  );
}

export function checkPositiveInteger(fn: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1) return value;
  throw statsError(fn, `${name} must be a positive integer, got ${String(value)}`);
}
