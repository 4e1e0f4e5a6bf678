import { existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { writeRecord } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { withLock } from "./lock.ts";
import { manifestPath } from "./manifest.ts";
import { commitObject, type StagedFile } from "./objects.ts";
import { hexOf, shortVersion } from "./version.ts";

export interface CommitResult {
  /** False when the store already had these bytes: same version, no second copy. */
  stored: boolean;
  /** True when the bytes were an older version's: its record now describes this run and lists the earlier ones. */
  reproduced: boolean;
  rejectsPath?: string;
}

/** data/rejects/<dataset>/<version hex>.parquet: the rows a non-strict run rejected, with their reasons. */
export function rejectsPath(dataDir: string, dataset: string, version: string): string {
  return path.join(dataDir, "rejects", dataset, `${hexOf(version)}.parquet`);
}

/**
 * Publishes a staged version under the store lock: the object, its rejects file, then the lineage record, each by
 * rename. Nothing is visible before the object is complete.
 */
export async function commitVersion(
  dirs: { dataDir: string; lineageDir: string },
  dataset: string,
  staged: StagedFile,
  record: LineageRecord,
  rejects?: StagedFile,
): Promise<CommitResult> {
  return withLock(dirs.dataDir, async () => {
    const stored = await commitObject(dirs.dataDir, staged);
    let rejectsFile: string | undefined;
    if (rejects) {
      rejectsFile = rejectsPath(dirs.dataDir, dataset, staged.version);
      await mkdir(path.dirname(rejectsFile), { recursive: true });
      await rename(rejects.path, rejectsFile);
    }
    // Reproducing an older version's bytes makes it the latest again; re-running on unchanged data writes nothing.
    const written = await writeRecord(dirs.lineageDir, dataset, record, { replaceUnlessLatest: true });
    return { stored, reproduced: written === "replaced", rejectsPath: rejectsFile };
  });
}

/**
 * Publishes a partitioned version under the store lock: the partition objects it wrote first, then its manifest, then
 * the lineage record, each by rename. A crash before the manifest leaves objects that no manifest names (gc and
 * verify report them as unrecorded) and the previous version intact; never a manifest naming an absent object.
 */
export async function commitPartitioned(
  dirs: { dataDir: string; lineageDir: string },
  dataset: string,
  written: StagedFile[],
  manifest: StagedFile,
  record: LineageRecord,
  rejects?: StagedFile,
): Promise<CommitResult> {
  return withLock(dirs.dataDir, async () => {
    for (const part of written) await commitObject(dirs.dataDir, part);
    let rejectsFile: string | undefined;
    if (rejects) {
      rejectsFile = rejectsPath(dirs.dataDir, dataset, manifest.version);
      await mkdir(path.dirname(rejectsFile), { recursive: true });
      await rename(rejects.path, rejectsFile);
    }
    const dest = manifestPath(dirs.dataDir, manifest.version);
    const stored = !existsSync(dest);
    if (stored) {
      await mkdir(path.dirname(dest), { recursive: true });
      await rename(manifest.path, dest);
    } else await manifest.discard();
    const written_ = await writeRecord(dirs.lineageDir, dataset, record, { replaceUnlessLatest: true });
    return { stored, reproduced: written_ === "replaced", rejectsPath: rejectsFile };
  });
}

/** What a commit of an already-stored version says: nothing changed, or an older version became the latest again. */
export function alreadyStoredMessage(dataset: string, version: string, committed: CommitResult): string {
  const v = shortVersion(version);
  return committed.reproduced
    ? `${dataset}: reproduced version ${v}, already stored; it is the latest again, and its lineage record now ` +
        "describes this run (earlier runs are listed under labbook_reproduced)"
    : `${dataset}: unchanged, version ${v} is already stored`;
}
