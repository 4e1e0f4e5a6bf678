import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import type { DatasetDef, Incremental } from "../datasets/define.ts";
import { readableFiles } from "../store/files.ts";
import { shortVersion } from "../lineage/version.ts";
import { readManifest, type VersionManifest } from "../store/manifest.ts";
import { sameRowsBefore } from "./incremental.ts";
import type { StageInput } from "./stage-input.ts";
import type { LastRun } from "./state.ts";

/**
 * A recent run that may merge: it keeps the rows of `previous` (the stage's last version) before the cutoff, so it
 * must first show that the input rows those came from are unchanged.
 */
export interface RecentMerge {
  /** Days back from the newest input day to recompute; undefined for a partitioned stage's run of changed days. */
  days?: number;
  previous: StageInput;
  /** The previous version's manifest, for a partitioned stage: its partitions of unchanged days are reused. */
  manifest?: VersionManifest;
  /** Windowed inputs whose version changed since the last run → the version that run read. */
  changed: Record<string, StageInput>;
}

/**
 * Whether a recent run of `def` can merge with its last version; otherwise a note saying why it recomputes in full.
 * Checks what needs no data: the definition, the previous output, and that every input read whole (not windowed)
 * is the very version the last run read. Windowed inputs that changed are compared later, once the cutoff is known.
 *
 * A stage whose versions are made of day partitions merges the same way on every run, not only a recent one
 * (`days` undefined): it recomputes the days on which a windowed input changed and reuses the other partitions.
 */
export async function recentPlan(
  config: Config,
  def: DatasetDef,
  last: LastRun | undefined,
  definition: string,
  inputs: Record<string, string>,
  days: number | undefined,
): Promise<{ recent?: RecentMerge; note?: string }> {
  const plan = await mergePlan(config, def, last, definition, inputs, days);
  // Outside --mode recent, a partitioned stage that cannot merge simply runs in full, as every stage does.
  return days === undefined && plan.note ? {} : plan;
}

async function mergePlan(
  config: Config,
  def: DatasetDef,
  last: LastRun | undefined,
  definition: string,
  inputs: Record<string, string>,
  days: number | undefined,
): Promise<{ recent?: RecentMerge; note?: string }> {
  const incremental = def.derive!.incremental;
  if (!incremental) return { note: "not day-partitioned, so --mode recent recomputes it in full" };
  if (!last?.stage || last.stage.definition !== definition) {
    return { note: "no previous version with this definition to merge with; recomputed in full" };
  }
  const files = await readableFiles(config.dataDir, last.version, def.name);
  if (!files) return { note: "the previous version is missing from the store; recomputed in full" };
  const manifest = def.partitioning ? await readManifest(config.dataDir, last.version, def.name) : undefined;
  if (def.partitioning && !manifest)
    return { note: "the previous version is not made of partitions; recomputed in full" };

  const changed: Record<string, StageInput> = {};
  for (const [name, version] of Object.entries(inputs)) {
    const before = last.stage.inputs[name];
    if (before === version) continue;
    if (!(name in incremental.inputs)) {
      // Every output day reads such an input, so a new version can change rows before any cutoff.
      const from = before ? shortVersion(before) : "none";
      return {
        note: `${name} changed since the previous run (${from} → ${shortVersion(version)}) and every day reads it; recomputed in full`,
      };
    }
    const previousFiles = before ? await readableFiles(config.dataDir, before, name) : undefined;
    if (!previousFiles) {
      const which = before ? `${name}@${shortVersion(before)}` : name;
      return {
        note: `the previous run's ${which} is not in the store, so its rows before the cutoff cannot be compared; recomputed in full`,
      };
    }
    changed[name] = { version: before!, files: previousFiles };
  }
  return { recent: { days, previous: { version: last.version, files }, manifest, changed } };
}

/**
 * Why the merge would not equal a full recompute, or undefined when it would: a windowed input whose rows before the
 * cutoff differ from those the previous run read (a late arrival or a correction of old data).
 */
export async function mergeBlocker(
  con: DuckDBConnection,
  incremental: Incremental,
  inputs: Record<string, StageInput>,
  changed: Record<string, StageInput>,
  cutoff: Date,
): Promise<string | undefined> {
  for (const [name, previous] of Object.entries(changed)) {
    const column = incremental.inputs[name]!;
    if (!(await sameRowsBefore(con, column, cutoff, previous.files, inputs[name]!.files))) {
      return `${name} changed before the cutoff ${cutoff.toISOString().slice(0, 10)}; recomputed in full`;
    }
  }
  return undefined;
}
