import { existsSync } from "node:fs";
import { mkdir, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";
import { writeRecord } from "../lineage/catalog.ts";
import type { LineageRecord } from "../lineage/record.ts";
import { withLock } from "../lock.ts";
import { manifestPath, parseManifest } from "./manifest.ts";
import { commitObject, objectPath, type StagedFile } from "./objects.ts";
import { beginPending, endPending } from "./pending.ts";
import { hexOf, shortVersion } from "../lineage/version.ts";

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

/**
 * Publishes a partitioned version under the store lock: a pending-commit journal naming the objects it wrote, the
 * objects, then its manifest, then the lineage record, each by rename, and the journal removed last. A crash before
 * the manifest leaves the previous version intact and a journal by which verify reports the objects no manifest names
 * and gc removes them; never a manifest naming an absent object (a reused object that gc or offload removed since
 * the ingest planned is refused here, under the lock).
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
    const named = parseManifest(await readFile(manifest.path), `${dataset}@${shortVersion(manifest.version)}`);
    const mine = new Set(written.map((w) => w.version));
    const gone = named.partitions.filter((p) => !mine.has(p.object) && !existsSync(objectPath(dirs.dataDir, p.object)));
    if (gone.length)
      throw new LabbookError(
        `${dataset}: ${gone.length} partition object(s) the ingest reused left the store while it ran (${gone.map((p) => p.key).join(", ")})`,
        { code: "E_NOT_FOUND", details: ["Nothing was committed. Run the ingest again: it exports them anew."] },
      );
    await beginPending(dirs.dataDir, { dataset, version: manifest.version, objects: [...mine] });
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
    await endPending(dirs.dataDir, manifest.version);
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
