import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { recordPath } from "../lineage/catalog.ts";
import { NAMESPACE } from "../lineage/facets.ts";
import type { LineageInput, LineageRecord } from "../lineage/record.ts";
import { VERSION } from "../lineage/version.ts";

/**
 * Which lineage records a site loader reads, besides the pinned objects:
 * - "pinned": the records of the pinned versions it reads;
 * - "inputs": those and, transitively, the records of the versions each was made from;
 * - "history": every record of each dataset it reads (version history, the previous version).
 */
export type LineageReads = "pinned" | "inputs" | "history";

export interface DatasetVersion {
  dataset: string;
  version: string;
}

/** The dataset version a lineage input names, or undefined for a source table (no labbook version facet). */
export function inputVersionOf(input: LineageInput): string | undefined {
  const version = (input.facets?.version as { datasetVersion?: string } | undefined)?.datasetVersion;
  return input.namespace === NAMESPACE && version && VERSION.test(version) ? version : undefined;
}

/** The dataset versions a record was made from. */
export function inputVersions(record: LineageRecord): DatasetVersion[] {
  return (record.inputs ?? []).flatMap((input) => {
    const version = inputVersionOf(input);
    return version ? [{ dataset: input.name, version }] : [];
  });
}

/**
 * A sha256 of each lineage record a loader reads, keyed "<dataset>/<hex>.json" (null when absent). A record can be
 * rewritten in place (a run that reproduces an older version's bytes makes it the latest again), so the pinned
 * version ids alone do not tell when a page that shows record fields went stale.
 */
export async function recordDigests(
  lineageDir: string,
  scope: LineageReads,
  pinned: readonly DatasetVersion[],
): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  if (scope === "history") {
    for (const { dataset } of pinned) {
      const dir = path.join(lineageDir, dataset);
      const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /^[0-9a-f]{64}\.json$/.test(f)) : [];
      for (const file of files.sort()) out[`${dataset}/${file}`] = digest(await readFile(path.join(dir, file)));
    }
    return out;
  }
  const queue = [...pinned];
  while (queue.length) {
    const { dataset, version } = queue.shift()!;
    const file = recordPath(lineageDir, dataset, version);
    const key = `${dataset}/${path.basename(file)}`;
    if (key in out) continue;
    const bytes = existsSync(file) ? await readFile(file) : null;
    out[key] = bytes && digest(bytes);
    if (scope === "inputs" && bytes) queue.push(...inputVersions(parsed(bytes)));
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** An unparsable record has no inputs to follow: the loader that reads it fails, and its bytes are still hashed. */
function parsed(bytes: Buffer): LineageRecord {
  try {
    return JSON.parse(bytes.toString("utf8")) as LineageRecord;
  } catch {
    return { inputs: [] } as unknown as LineageRecord;
  }
}
