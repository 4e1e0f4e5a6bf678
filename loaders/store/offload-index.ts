import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";

/** Where each offloaded version went: version → its zips. Local state beside the store, like data/gc.json. */
export type OffloadIndex = Record<
  string,
  {
    dataset: string;
    zips: { path: string; at: string; removedFromStore: boolean }[];
    /** Each `labbook restore` that brought the version back from a zip. */
    restored?: { path: string; at: string }[];
  }
>;

/** data/offload/index.json */
export const offloadIndexPath = (dataDir: string) => path.join(dataDir, "offload", "index.json");

export async function readOffloadIndex(dataDir: string): Promise<OffloadIndex> {
  const file = offloadIndexPath(dataDir);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(await readFile(file, "utf8")) as OffloadIndex;
  } catch (e) {
    throw new LabbookError(`unreadable ${file}: ${(e as Error).message}`, { code: "E_INTEGRITY" });
  }
}

/**
 * Notes that these versions are in `zip` (a path relative to the data dir when inside it) and whether they were
 * removed from the store. Call with the store lock held; written through a temp file and a rename.
 */
export async function recordOffloaded(
  dataDir: string,
  zip: string,
  versions: { dataset: string; version: string }[],
  at: Date,
  removed: boolean | { version: string }[],
): Promise<void> {
  const index = await readOffloadIndex(dataDir);
  const where = zipPath(dataDir, zip);
  const gone = new Set(typeof removed === "boolean" ? [] : removed.map((r) => r.version));
  for (const v of versions) {
    const entry = (index[v.version] ??= { dataset: v.dataset, zips: [] });
    entry.zips.push({ path: where, at: at.toISOString(), removedFromStore: removed === true || gone.has(v.version) });
  }
  await writeIndex(dataDir, index);
}

/** Notes that `labbook restore` brought these versions back from `zip`. Call with the store lock held. */
export async function recordRestored(
  dataDir: string,
  zip: string,
  versions: { dataset: string; version: string }[],
  options: { at: Date },
): Promise<void> {
  const index = await readOffloadIndex(dataDir);
  for (const v of versions) {
    const entry = (index[v.version] ??= { dataset: v.dataset, zips: [] });
    (entry.restored ??= []).push({ path: zipPath(dataDir, zip), at: options.at.toISOString() });
  }
  await writeIndex(dataDir, index);
}

/** A zip's path as the index keeps it: relative to the data dir when inside it. */
function zipPath(dataDir: string, zip: string): string {
  const rel = path.relative(dataDir, zip);
  return rel.startsWith("..") || path.isAbsolute(rel) ? zip : rel.split(path.sep).join("/");
}

async function writeIndex(dataDir: string, index: OffloadIndex): Promise<void> {
  const file = offloadIndexPath(dataDir);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(index, null, 2)}\n`);
  await rename(tmp, file);
}
