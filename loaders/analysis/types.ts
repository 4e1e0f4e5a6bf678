import type { Direction } from "./_validate.ts";

export type { Direction };

/** An effect size estimate with, where the index has one, its standard error and confidence interval. */
export interface EffectSize {
  estimate: number;
  /** Standard error; absent for indices without a known sampling distribution (PND, Tau-U). */
  se?: number;
  /** Confidence interval [lower, upper] at the requested confidence level. */
  ci?: [number, number];
}

/** Options shared by the effect sizes. */
export interface DirectionOptions {
  /** Direction of therapeutic improvement; "decrease" means lower B-phase values are better. Default "increase". */
  direction?: Direction;
}

export interface ConfidenceOptions {
  /** Confidence level of the interval, between 0 and 1. Default 0.95. */
  confidence?: number;
}
