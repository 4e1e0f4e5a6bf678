import { splitmix32 } from "./_prng.ts";
import { median } from "./_stats.ts";
import { checkChoice, checkDirection, checkPhase, checkPositiveInteger, statsError } from "./_validate.ts";
import { phaseRuns } from "./phases.ts";
import type { DirectionOptions } from "./types.ts";

/**
 * - "mean B-A": mean of all B observations minus mean of all A observations.
 * - "median B-A": median of all B observations minus median of all A observations.
 * - "PA-PB": mean of the A-phase means minus mean of the B-phase means (Bulté & Onghena's SCRT).
 */
export type RandomizationStatistic = "mean B-A" | "median B-A" | "PA-PB";

export interface RandomizationOptions extends DirectionOptions {
  /** Phase sequence: "AB" or "ABAB" (an A1 B1 A2 B2 reversal design). Default "AB". */
  design?: "AB" | "ABAB";
  /** Test statistic. Default "mean B-A". */
  statistic?: RandomizationStatistic;
  /** Fewest observations any phase may have in an admissible assignment (scan's `limit`). Default 5. */
  minPhaseLength?: number;
  /** Monte Carlo draws when the admissible assignments outnumber it; otherwise all are enumerated. Default 1000. */
  samples?: number;
  /** Seed of the Monte Carlo draws. Default 1. */
  seed?: number;
}

export interface RandomizationResult {
  /** The statistic for the phase start points actually used. */
  observed: number;
  /** One-sided p value in the expected direction (see the README for the counting convention). */
  p: number;
  /** Number of admissible assignments of phase start points. */
  assignments: number;
  /** True when every admissible assignment was enumerated; false for Monte Carlo. */
  exhaustive: boolean;
  /** The statistic under each enumerated assignment, or under each Monte Carlo draw. */
  distribution: number[];
}

const DESIGNS = { AB: ["A", "B"], ABAB: ["A", "B", "A", "B"] } as const;

/**
 * Randomization test for a single case whose phase start points were randomized (Edgington; Onghena 1992), after
 * scan's rand_test. Admissible assignments are all phase lengths ≥ minPhaseLength summing to the series length, in the
 * order of the design. `phaseOfEach` holds "A" or "B" per observation; map other labels first with `mapPhases`.
 */
export function randomizationTest(
  values: readonly number[],
  phaseOfEach: readonly string[],
  options: RandomizationOptions = {},
): RandomizationResult {
  const fn = "randomizationTest";
  checkPhase(fn, "values", values);
  const design = checkChoice(fn, "design", options.design, ["AB", "ABAB"] as const);
  const statistic = checkChoice(fn, "statistic", options.statistic, ["mean B-A", "median B-A", "PA-PB"] as const);
  const direction = checkDirection(fn, options.direction);
  const minLength = checkPositiveInteger(fn, "minPhaseLength", options.minPhaseLength, 5);
  const samples = checkPositiveInteger(fn, "samples", options.samples, 1000);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw statsError(fn, `seed must be an integer, got ${String(seed)}`);
  if (phaseOfEach.length !== values.length) {
    throw statsError(fn, `phaseOfEach has ${phaseOfEach.length} labels for ${values.length} values`);
  }
  const bad = phaseOfEach.findIndex((l) => l !== "A" && l !== "B");
  if (bad >= 0) {
    throw statsError(
      fn,
      `phase label ${JSON.stringify(phaseOfEach[bad])} at index ${bad} is not "A" or "B" (use mapPhases)`,
    );
  }
  const runs = phaseRuns(phaseOfEach);
  const expected = DESIGNS[design];
  if (runs.map((r) => r.label).join("") !== expected.join("")) {
    throw statsError(
      fn,
      `design ${design} needs phases ${expected.join(",")} in order, got ${runs.map((r) => r.label).join(",")}`,
    );
  }
  runs.forEach((r, i) => {
    if (r.end - r.start < minLength) {
      throw statsError(
        fn,
        `phase ${i + 1} (${r.label}) has ${r.end - r.start} observations, fewer than minPhaseLength ${minLength}`,
      );
    }
  });

  const k = expected.length;
  const spare = values.length - k * minLength;
  const assignments = binomial(spare + k - 1, k - 1);
  const stat = statisticOf(statistic, values);
  const observed = stat(runs.map((r) => r.end - r.start));

  const exhaustive = assignments <= samples;
  const distribution: number[] = [];
  if (exhaustive) {
    for (const lengths of compositions(spare, k)) distribution.push(stat(lengths.map((e) => e + minLength)));
  } else {
    const random = splitmix32(seed);
    for (let i = 0; i < samples; i++)
      distribution.push(stat(randomComposition(spare, k, random).map((e) => e + minLength)));
  }

  // Orient so that "more extreme in the expected direction" is "larger".
  const sign = (statistic === "PA-PB" ? -1 : 1) * (direction === "increase" ? 1 : -1);
  // Equal statistics may differ in the last bits after different summation orders.
  const tolerance = 1e-10 * values.reduce((hi, v) => Math.max(hi, Math.abs(v)), 0);
  const count = distribution.filter((s) => sign * (s - observed) >= -tolerance).length;
  const p = exhaustive ? count / distribution.length : (count + 1) / (distribution.length + 1);
  return { observed, p, assignments, exhaustive, distribution };
}

/** Half-open index range [start, end) of one phase. */
type Span = [number, number];

/** Builds the statistic as a function of the phase lengths (in design order, A first). */
function statisticOf(statistic: RandomizationStatistic, values: readonly number[]): (lengths: number[]) => number {
  const prefix = [0];
  for (const v of values) prefix.push((prefix[prefix.length - 1] as number) + v);
  const sum = (start: number, end: number) => (prefix[end] as number) - (prefix[start] as number);
  return (lengths) => {
    const a: Span[] = [];
    const b: Span[] = [];
    let start = 0;
    lengths.forEach((len, i) => {
      (i % 2 === 0 ? a : b).push([start, start + len]);
      start += len;
    });
    if (statistic === "median B-A") {
      const gather = (spans: Span[]) => spans.flatMap(([s, e]) => values.slice(s, e));
      return median(gather(b)) - median(gather(a));
    }
    if (statistic === "PA-PB") {
      const meanOfMeans = (spans: Span[]) => spans.reduce((acc, [s, e]) => acc + sum(s, e) / (e - s), 0) / spans.length;
      return meanOfMeans(a) - meanOfMeans(b);
    }
    const pooled = (spans: Span[]) => {
      let total = 0;
      let n = 0;
      for (const [s, e] of spans) {
        total += sum(s, e);
        n += e - s;
      }
      return total / n;
    };
    return pooled(b) - pooled(a);
  };
}

/** C(n, k) as a double (exact while it is below 2^53). */
function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** Every way to split `total` extra observations over `parts` phases (each part ≥ 0), in lexicographic order. */
function* compositions(total: number, parts: number): Generator<number[]> {
  if (parts === 1) {
    yield [total];
    return;
  }
  for (let first = 0; first <= total; first++) {
    for (const rest of compositions(total - first, parts - 1)) yield [first, ...rest];
  }
}

/** A uniformly drawn composition: choose parts-1 distinct bar positions among total+parts-1 (stars and bars). */
function randomComposition(total: number, parts: number, random: () => number): number[] {
  const slots = total + parts - 1;
  const bars = new Set<number>();
  while (bars.size < parts - 1) bars.add(Math.floor(random() * slots));
  const sorted = [...bars].sort((x, y) => x - y);
  const out: number[] = [];
  let previous = -1;
  for (const bar of sorted) {
    out.push(bar - previous - 1);
    previous = bar;
  }
  out.push(slots - previous - 1);
  return out;
}
