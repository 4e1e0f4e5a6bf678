import type { RandomizationResult, RandomizationStatistic } from "./randomization.ts";
import type { Direction } from "./types.ts";

// The types a protocol's analysis and its parts (_parts.ts) share, apart so neither imports the other.

/** One observed day of a protocol's primary outcome. Days without events are absent, never zero. */
export interface SeriesPoint {
  /** YYYY-MM-DD */
  date: string;
  /** Days since the protocol's first day: the time axis, so missing days keep their place. */
  day: number;
  value: number;
  phaseLabel: string;
  phaseType: string;
}

/** A part of a protocol's analysis that the data do not allow, with the reason in words a researcher can act on. */
export interface NotComputed {
  notComputed: string;
}

export type RandomizationPart =
  (RandomizationResult & { design: "AB" | "ABAB"; statistic: RandomizationStatistic }) | NotComputed;

export interface AnalyzeOptions {
  direction?: Direction;
  /** Seed of the Monte Carlo randomization test, so the numbers are reproducible. */
  seed?: number;
  samples?: number;
  /** Shortest admissible phase in the randomization test (the design's own minimum). Default 5. */
  minPhaseLength?: number;
}
