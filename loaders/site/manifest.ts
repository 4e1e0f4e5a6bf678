import { LabbookError } from "../errors.ts";
import type { LineageReads } from "./records.ts";

/**
 * The report site's data loaders and the pinned datasets each one reads. The build re-runs a loader exactly when its
 * fingerprint changes: the pin set, the pinned versions of the datasets it reads, the lineage records it reads, its
 * source code, or the pseudonym key. A loader can only open the datasets it declares here (see context.ts), so a
 * missing entry fails loudly instead of leaving a stale page.
 */
export interface SiteLoader {
  /** Short name: used in build logs, the fingerprint file, and by pages to list the data behind their footer. */
  name: string;
  /** The loader file, relative to the site root (src/). */
  file: string;
  /** The pinned datasets it reads, or "all" for every dataset of the pin set. */
  reads: readonly string[] | "all";
  /** The lineage records it reads of those datasets (see records.ts); none when unset. */
  lineage?: LineageReads;
  /** Re-run on every build: its output records the build itself (time, git commit). */
  volatile?: boolean;
}

export const siteLoaders: readonly SiteLoader[] = [
  { name: "catalog", file: "data/catalog.json.ts", reads: "all", lineage: "pinned" },
  { name: "events", file: "data/events.json.ts", reads: ["behavioral_events"] },
  {
    name: "experiments",
    file: "data/experiments.zip.ts",
    reads: ["behavioral_events", "experiment_protocols", "phase_assignments"],
  },
  { name: "lineage", file: "data/lineage.json.ts", reads: "all", lineage: "inputs" },
  { name: "quality", file: "data/quality.json.ts", reads: "all", lineage: "history" },
  { name: "provenance", file: "data/provenance.json.ts", reads: "all", volatile: true },
];

export function siteLoader(name: string): SiteLoader {
  const found = siteLoaders.find((l) => l.name === name);
  if (!found)
    throw new LabbookError(`no site loader named "${name}" in loaders/site/manifest.ts`, { code: "E_CONFIG" });
  return found;
}

/** The datasets a loader reads under a pin set. */
export function readsOf(loader: SiteLoader, pinned: Record<string, string>): string[] {
  return loader.reads === "all" ? Object.keys(pinned).sort() : [...loader.reads];
}

/** The datasets a loader reads under a pin set, failing when the set does not pin one; `reader` names who reads. */
export function pinnedReads(
  loader: SiteLoader,
  set: string,
  pinned: Record<string, string>,
  reader = loader.name,
): string[] {
  const reads = readsOf(loader, pinned);
  const unpinned = reads.filter((d) => !pinned[d]);
  if (unpinned.length)
    throw new LabbookError(`pin set "${set}" does not pin ${unpinned.join(", ")}, which ${reader} reads`, {
      code: "E_NOT_FOUND",
      details: [`Pin them with "labbook pin ${set} <dataset>".`],
    });
  return reads;
}
