import { existsSync } from "node:fs";
import { LabbookError } from "../errors.ts";
import { manifestPath, readManifest } from "./manifest.ts";
import { objectPath } from "./objects.ts";
import { checkObject } from "./verified.ts";
import { shortVersion } from "../lineage/version.ts";

/**
 * The one way a reader turns a version into files: every command that reads a version's rows (sql, check, export,
 * run, analyze, sync-duckdb, diff, the site) goes through readableFiles, so none of them reads bytes that do not match
 * the version's name.
 */

/** One file of a version: the object it holds (the version itself, or a partition's object). */
export interface VersionPart {
  file: string;
  object: string;
}

/**
 * The objects that hold a version's rows: the version's own object, or the partition objects its manifest lists
 * (the manifest is checked against the version). Undefined when the version or any of its objects is not local.
 */
export async function versionParts(
  dataDir: string,
  version: string,
  dataset?: string,
): Promise<VersionPart[] | undefined> {
  const file = objectPath(dataDir, version);
  if (existsSync(file)) return [{ file, object: version }];
  const manifest = await readManifest(dataDir, version, dataset);
  if (!manifest) return undefined;
  const parts = manifest.partitions.map((p) => ({ file: objectPath(dataDir, p.object), object: p.object }));
  return parts.every((p) => existsSync(p.file)) ? parts : undefined;
}

/**
 * The files of a version (iceberg and other engines' table metadata, gc, push, offload): its one Parquet object, or
 * the objects of its partitions in key order. Undefined when any is absent. Not checked against their hashes:
 * readers use readableFiles.
 */
export async function versionFiles(dataDir: string, version: string): Promise<string[] | undefined> {
  return (await versionParts(dataDir, version))?.map((p) => p.file);
}

/**
 * Every store file that makes up a version, for code that copies or moves versions whole (archive, offload): its one
 * object, or its manifest followed by its partitions' objects. Each names the sha256 its bytes must have. Undefined
 * when any is absent.
 */
export async function versionStoreFiles(
  dataDir: string,
  version: string,
  dataset?: string,
): Promise<(VersionPart & { manifest?: true })[] | undefined> {
  const parts = await versionParts(dataDir, version, dataset);
  if (!parts) return undefined;
  if (parts.length === 1 && parts[0]!.object === version) return parts;
  return [{ file: manifestPath(dataDir, version), object: version, manifest: true }, ...parts];
}

/** Whether every file of a version is in the local store. */
export async function isLocal(dataDir: string, version: string): Promise<boolean> {
  return (await versionFiles(dataDir, version)) !== undefined;
}

/**
 * A version's files, each checked to hold the bytes its name promises (hashed on first use, then trusted while the
 * file stays the same, see verified.ts). Undefined when the version is not in the local store. Fails with
 * E_INTEGRITY naming the version, the file and how to repair it.
 */
export async function readableFiles(dataDir: string, version: string, dataset?: string): Promise<string[] | undefined> {
  const parts = await versionParts(dataDir, version, dataset);
  if (!parts) return undefined;
  for (const { file, object } of parts) {
    const check = await checkObject(dataDir, file, object).catch((e: NodeJS.ErrnoException) => {
      // Removed since it was listed (a concurrent gc): absent, as if it had never been there.
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (!check) return undefined;
    if (!check.intact) throw corruptObject(dataset, version, file, check.got!, object);
  }
  return parts.map((p) => p.file);
}

/** readableFiles for a version that must be local: fails with E_NOT_FOUND when it is not. */
export async function requireFiles(
  dataDir: string,
  version: string,
  dataset: string,
  details = ['Run "labbook pull" with LABBOOK_REMOTE set to fetch it.'],
): Promise<string[]> {
  const files = await readableFiles(dataDir, version, dataset);
  if (!files)
    throw new LabbookError(`${dataset}@${shortVersion(version)} is not in the local store`, {
      code: "E_NOT_FOUND",
      details,
    });
  return files;
}

export function corruptObject(
  dataset: string | undefined,
  version: string,
  file: string,
  got: string,
  object = version,
): LabbookError {
  const name = dataset ? `${dataset}@${shortVersion(version)}` : shortVersion(version);
  const what = object === version ? `version ${version}` : `its partition object ${object}`;
  return new LabbookError(`${name} is corrupt: ${file} does not hold ${what}`, {
    code: "E_INTEGRITY",
    details: [
      `Its bytes hash to ${got}; refused to read them.`,
      'Run "labbook pull" with LABBOOK_REMOTE set to replace it with the remote\'s copy, then "labbook verify".',
    ],
  });
}
