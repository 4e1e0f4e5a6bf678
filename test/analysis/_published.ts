import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { isLabbookError } from "../../loaders/errors.ts";

/** The tolerances: 1e-6 on estimates and SEs, 1e-4 on confidence bounds. */
export const EST = 1e-6;
export const CI = 1e-4;
/** For values published with 3 decimals: half a unit of the last printed digit. */
export const DEC3 = 5e-4 + 1e-12;
export const DEC2 = 5e-3 + 1e-12;

export function expectNear(actual: number | undefined, expected: number, tolerance: number): void {
  expect(actual, `expected ${actual} within ${tolerance} of ${expected}`).toBeTypeOf("number");
  expect(Math.abs((actual as number) - expected), `|${actual} - ${expected}| > ${tolerance}`).toBeLessThanOrEqual(
    tolerance,
  );
}

/** Asserts that `run` throws a LabbookError with code E_STATS and exactly `message`. */
export function expectStatsError(run: () => unknown, message: string): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(isLabbookError(error, "E_STATS"), `expected an E_STATS LabbookError, got ${String(error)}`).toBe(true);
  expect((error as Error).message).toBe(message);
}

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/analysis/${name}`, import.meta.url), "utf8");
}

export interface Series {
  case: string;
  behavior: string;
  pair: string;
  direction: "increase" | "decrease";
  a: number[];
  b: number[];
}

/**
 * Schmidt (2007) as shipped in SingleCaseES (jepusto/SingleCaseES, auxiliary/Schmidt2007.csv, data/Schmidt2007):
 * one A-B series per case, behavior and phase pair; disruptive behavior should decrease, on-task behavior increase.
 */
export function schmidt2007(): Series[] {
  const lines = fixture("schmidt2007.csv").trim().split("\n").slice(1);
  const series = new Map<string, Series>();
  for (const line of lines) {
    const [c, behavior, , phase, condition, outcome] = line.split(",") as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const pair = phase.slice(1);
    const key = `${c}|${behavior}|${pair}`;
    let s = series.get(key);
    if (!s) {
      const direction = behavior === "Disruptive Behavior" ? "decrease" : "increase";
      s = { case: c, behavior, pair, direction, a: [], b: [] };
      series.set(key, s);
    }
    (condition === "A" ? s.a : s.b).push(Number(outcome));
  }
  return [...series.values()];
}

/**
 * NAP and LRRi for each Schmidt (2007) series, printed with 3 decimals in the SingleCaseES vignette
 * "Basic effect sizes calculations using SingleCaseES" (jepusto/SingleCaseES, vignettes/Using-SingleCaseES.Rmd,
 * rendered on its gh-pages branch as articles/Using-SingleCaseES.html): batch_calc_ES(Schmidt2007,
 * grouping = c(Case_pseudonym, Behavior_type, Phase_num), improvement = direction, ES = c("NAP", "LRRi")), with the
 * batch default scale "other" (no truncation). Columns: estimate, SE, CI lower, CI upper.
 */
export const SCHMIDT_PUBLISHED: Record<string, { nap: number[]; lrri: number[] }> = {
  "Albert|Disruptive Behavior|1": { nap: [1.0, 0.007, 1.0, 1.0], lrri: [1.749, 0.21, 1.338, 2.16] },
  "Albert|Disruptive Behavior|2": { nap: [0.861, 0.144, 0.443, 0.977], lrri: [0.947, 0.538, -0.108, 2.001] },
  "Albert|On Task Behavior|1": { nap: [0.735, 0.145, 0.484, 0.885], lrri: [0.421, 0.162, 0.103, 0.739] },
  "Albert|On Task Behavior|2": { nap: [0.444, 0.294, 0.153, 0.783], lrri: [0.052, 0.117, -0.177, 0.282] },
  "Faith|Disruptive Behavior|1": { nap: [0.958, 0.042, 0.704, 0.995], lrri: [1.606, 0.324, 0.972, 2.241] },
  "Faith|Disruptive Behavior|2": { nap: [1.0, 0.063, 1.0, 1.0], lrri: [1.651, 0.376, 0.914, 2.388] },
  "Faith|On Task Behavior|1": { nap: [0.771, 0.127, 0.488, 0.916], lrri: [0.323, 0.129, 0.069, 0.576] },
  "Faith|On Task Behavior|2": { nap: [0.933, 0.067, 0.495, 0.994], lrri: [0.241, 0.201, -0.152, 0.635] },
  "Lilly|Disruptive Behavior|1": { nap: [0.777, 0.147, 0.521, 0.912], lrri: [1.168, 0.227, 0.724, 1.613] },
  "Lilly|Disruptive Behavior|2": { nap: [1.0, 0.063, 1.0, 1.0], lrri: [1.427, 0.31, 0.819, 2.035] },
  "Lilly|On Task Behavior|1": { nap: [0.58, 0.135, 0.34, 0.784], lrri: [0.015, 0.114, -0.209, 0.239] },
  "Lilly|On Task Behavior|2": { nap: [0.867, 0.133, 0.433, 0.98], lrri: [0.604, 0.672, -0.712, 1.921] },
};
