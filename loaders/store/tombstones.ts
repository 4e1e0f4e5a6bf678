import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";

/** What gc removed: version → when, which dataset, how many bytes. Local state, like the objects it describes. */
export type Tombstones = Record<string, { dataset: string | null; size: number; removedAt: string }>;

/** data/gc.json: kept beside the store so verify can tell "removed by gc" from "lost". */
export const tombstonesPath = (dataDir: string) => path.join(dataDir, "gc.json");

export async function readTombstones(dataDir: string): Promise<Tombstones> {
  const file = tombstonesPath(dataDir);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(await readFile(file, "utf8")) as Tombstones;
  } catch (e) {
    throw new LabbookError(`unreadable ${file}: ${(e as Error).message}`, { code: "E_INTEGRITY" });
  }
}

/** Adds entries through a temp file and a rename. Call with the store lock held. */
export async function addTombstones(dataDir: string, added: Tombstones): Promise<void> {
  const all = { ...(await readTombstones(dataDir)), ...added };
  const sorted = Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : 1)));
  const file = tombstonesPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
  await rename(tmp, file);
}
