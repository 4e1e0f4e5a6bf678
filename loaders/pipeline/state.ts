import { listVersions } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { shortVersion } from "../lineage/version.ts";

/** The run facet (`labbook_stage`) a pipeline run leaves in the output's lineage record: our dvc.lock entry. */
export interface StageFacet {
  fingerprint: string;
  /** Hash of the stage definition alone, to tell "definition changed" from "input changed". */
  definition: string;
  /** Input dataset → the exact version read. */
  inputs: Record<string, string>;
  mode: "all" | "recent";
  days?: number;
  /** Recent runs: rows at or after this time were recomputed, older ones kept from `mergedWith`. */
  cutoff?: string;
  mergedWith?: string;
  /** Why a requested recent run recomputed everything. */
  note?: string;
  /** Counts from the definition's `summary` SQL, e.g. `{dropped: 3}`. */
  summary?: Record<string, number>;
}

/** The last run of a stage: its newest version and, if the pipeline made it, the facet. */
export interface LastRun {
  version: string;
  createdAt: string;
  rowCount: number;
  stage: StageFacet | undefined;
}

export function stageFacetOf(record: LineageRecord): StageFacet | undefined {
  return record.run.facets.labbook_stage as StageFacet | undefined;
}

/** "Last run" is the newest version's record, so the lineage alone says whether a stage is up to date. */
export async function lastRun(lineageDir: string, dataset: string): Promise<LastRun | undefined> {
  const [latest] = await listVersions(lineageDir, dataset);
  if (!latest) return undefined;
  return {
    version: latest.version,
    createdAt: latest.createdAt,
    rowCount: latest.rowCount,
    stage: stageFacetOf(latest.record),
  };
}

/** Why a stage runs (or would run). */
export type StaleReason =
  | { kind: "never-run" }
  | { kind: "forced" }
  | { kind: "definition-changed" }
  | { kind: "input-changed"; input: string; from: string | null; to: string }
  | { kind: "upstream-stale"; input: string }
  | { kind: "output-missing"; version: string }
  | { kind: "upstream-failed"; input: string };

export function describeReason(r: StaleReason): string {
  switch (r.kind) {
    case "never-run":
      return "never run";
    case "forced":
      return "forced";
    case "definition-changed":
      return "definition changed";
    case "input-changed":
      return `input changed: ${r.input} (${r.from ? shortVersion(r.from) : "none"} → ${shortVersion(r.to)})`;
    case "upstream-stale":
      return `runs if ${r.input} changes (it is stale)`;
    case "output-missing":
      return `output ${shortVersion(r.version)} is missing from the store`;
    case "upstream-failed":
      return `not run: ${r.input} failed`;
  }
}

/** Compares the current definition and input versions with the last run; an empty list means up to date. */
export function staleReasons(last: LastRun | undefined, definition: string, inputs: Record<string, string>) {
  const reasons: StaleReason[] = [];
  if (!last?.stage) return [{ kind: "never-run" } as const];
  if (last.stage.definition !== definition) reasons.push({ kind: "definition-changed" });
  for (const [input, version] of Object.entries(inputs)) {
    const before = last.stage.inputs[input] ?? null;
    if (before !== version) reasons.push({ kind: "input-changed", input, from: before, to: version });
  }
  return reasons;
}
