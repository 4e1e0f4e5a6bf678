import { existsSync } from "node:fs";
import { LabbookError } from "../errors.ts";
import { objectPath } from "./objects.ts";
import { checkObject } from "./verified.ts";
import { shortVersion } from "./version.ts";

/**
 * The one way a reader turns a version into files: every command that reads a version's rows (sql, check, export,
 * run, analyze, sync-duckdb, diff, the site) goes through readableFiles, so none of them reads bytes that do not match
 * the version's name.
 */

/**
 * The local files that hold a version's rows, without reading them; undefined when any is absent. For code that
 * lists, moves or publishes files (gc, push, offload, other engines' table metadata); readers use readableFiles.
 */
export async function versionFiles(dataDir: string, version: string): Promise<string[] | undefined> {
  const file = objectPath(dataDir, version);
  return existsSync(file) ? [file] : undefined;
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
  const files = await versionFiles(dataDir, version);
  if (!files) return undefined;
  for (const file of files) {
    const check = await checkObject(dataDir, file, version).catch((e: NodeJS.ErrnoException) => {
      // Removed since it was listed (a concurrent gc): absent, as if it had never been there.
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (!check) return undefined;
    if (!check.intact) throw corruptObject(dataset, version, file, check.got!);
  }
  return files;
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

export function corruptObject(dataset: string | undefined, version: string, file: string, got: string): LabbookError {
  const name = dataset ? `${dataset}@${shortVersion(version)}` : shortVersion(version);
  return new LabbookError(`${name} is corrupt: ${file} does not hold version ${version}`, {
    code: "E_INTEGRITY",
    details: [
      `Its bytes hash to ${got}; refused to read them.`,
      'Run "labbook pull" with LABBOOK_REMOTE set to replace it with the remote\'s copy, then "labbook verify".',
    ],
  });
}

/** A version ready to read. */
export interface ReadableVersion {
  dataset: string;
  version: string;
  /** The files that hold the version's rows, checked against its hash: read them with `parquet(files)`. */
  files: string[];
  /** The version's object: its one Parquet file. Prefer `files`, which also covers versions made of partitions. */
  path: string;
}

/** Resolves dataset → version pairs to their checked files; fails naming all that are missing. */
export async function readableVersions(
  config: { dataDir: string },
  pairs: [dataset: string, version: string][],
  details: string[],
): Promise<ReadableVersion[]> {
  const out: ReadableVersion[] = [];
  const missing: string[] = [];
  for (const [dataset, version] of pairs) {
    const files = await readableFiles(config.dataDir, version, dataset);
    if (files) out.push({ dataset, version, files, path: objectPath(config.dataDir, version) });
    else missing.push(`${dataset}@${shortVersion(version)}`);
  }
  if (missing.length) {
    throw new LabbookError(`pinned objects are missing from the local store: ${missing.join(", ")}`, {
      code: "E_NOT_FOUND",
      details,
    });
  }
  return out;
}
