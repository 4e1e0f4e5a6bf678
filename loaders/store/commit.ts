import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { writeRecord } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { withLock } from "./lock.ts";
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
  dirs: { dataDir: string; lineageDir: string; onCommit?: (what: string) => void },
  dataset: string,
  staged: StagedFile,
  record: LineageRecord,
  rejects?: StagedFile,
): Promise<CommitResult> {
  return withLock(dirs, async () => {
    const stored = await commitObject(dirs.dataDir, staged);
    let rejectsFile: string | undefined;
    if (rejects) {
      rejectsFile = rejectsPath(dirs.dataDir, dataset, staged.version);
      await mkdir(path.dirname(rejectsFile), { recursive: true });
      await rename(rejects.path, rejectsFile);
    }
    // Reproducing an older version's bytes makes it the latest again; re-running on unchanged data writes nothing.
    const written = await writeRecord(dirs.lineageDir, dataset, record, { replaceUnlessLatest: true });
    if (stored || written !== "kept") dirs.onCommit?.(`${dataset}@${shortVersion(staged.version)}`);
    return { stored, reproduced: written === "replaced", rejectsPath: rejectsFile };
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
