import { statsError } from "./_validate.ts";

/** A maximal run of consecutive observations with the same phase label. */
export interface PhaseRun {
  label: string;
  /** Index of the first observation of the run. */
  start: number;
  /** Index one past the last observation of the run. */
  end: number;
}

/** Splits a per-observation label array into runs: ["A","A","B","A"] gives A[0,2), B[2,3), A[3,4). */
export function phaseRuns(phaseOfEach: readonly string[]): PhaseRun[] {
  const runs: PhaseRun[] = [];
  phaseOfEach.forEach((label, i) => {
    const last = runs[runs.length - 1];
    if (last && last.label === label) last.end = i + 1;
    else runs.push({ label, start: i, end: i + 1 });
  });
  return runs;
}

/** Baseline phases are "A"; every intervention (and washout-free treatment) phase is "B". */
export const abOf = (phaseType: string): "A" | "B" => (phaseType === "BASELINE" ? "A" : "B");

/** A→B mapping of phase labels: a lookup table, or a function returning "A" or "B" (or undefined if unknown). */
export type PhaseMapping = Readonly<Record<string, "A" | "B">> | ((label: string) => "A" | "B" | undefined);

/**
 * Maps study-specific phase labels to "A" (baseline) and "B" (intervention), e.g.
 * `mapPhases(labels, { baseline_1: "A", intervention_A_1: "B" })` or `mapPhases(labels, (l) => l.startsWith("base") ? "A" : "B")`.
 * Throws on a label the mapping does not cover.
 */
export function mapPhases(phaseOfEach: readonly string[], mapping: PhaseMapping): ("A" | "B")[] {
  return phaseOfEach.map((label, i) => {
    const mapped =
      typeof mapping === "function" ? mapping(label) : Object.hasOwn(mapping, label) ? mapping[label] : undefined;
    if (mapped !== "A" && mapped !== "B") {
      throw statsError("mapPhases", `label ${JSON.stringify(label)} at index ${i} maps to neither "A" nor "B"`);
    }
    return mapped;
  });
}
