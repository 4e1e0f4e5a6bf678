import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { hashFile } from "./hash.ts";
import { hexOf } from "../lineage/version.ts";

/**
 * Which objects are known to hold the bytes their name promises, so that readers hash an object once, not on every
 * use. A record is keyed by the file's identity: device, inode, size, mtime and ctime. Any write to the file, a
 * replacement by rename, or a copy brings a new identity, and the object is hashed again. ctime is in the key because
 * nothing can set it back: a byte flipped in place with the mtime restored still changes it.
 */

/** data/verified/<hex>: the identity of the object file last found intact. Local state, never committed. */
export const verifiedPath = (dataDir: string, version: string) => path.join(dataDir, "verified", hexOf(version));

/** Identities found intact in this process, by file path: a second use costs one stat. */
const seen = new Map<string, string>();

/** A file's identity: device, inode, size, mtime and ctime, to the nanosecond. */
export async function fileIdentity(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

export interface ObjectCheck {
  /** True when the bytes hash to the version. */
  intact: boolean;
  /** What the bytes hashed to; undefined when a record or this process's memory vouched for them. */
  got?: string;
  /** True when the file was hashed now. */
  hashed: boolean;
}

/**
 * Whether `file` holds `version`'s bytes: trusted without reading when this process or a record under the data dir
 * has seen this very file intact, hashed otherwise (and then remembered). Rejects when the file is absent.
 */
export async function checkObject(dataDir: string, file: string, version: string): Promise<ObjectCheck> {
  const before = await fileIdentity(file);
  if (seen.get(file) === before) return { intact: true, hashed: false };
  const recorded = await readFile(verifiedPath(dataDir, version), "utf8").catch(() => undefined);
  if (recorded === before) {
    seen.set(file, before);
    return { intact: true, hashed: false };
  }
  const { version: got } = await hashFile(file);
  if (got !== version) {
    seen.delete(file);
    return { intact: false, got, hashed: true };
  }
  // Changed while it was read: intact as read, but nothing is known about what is there now.
  if ((await fileIdentity(file)) === before) await markVerified(dataDir, file, version, before);
  return { intact: true, hashed: true };
}

/**
 * Records that `file` holds `version`'s bytes, for a file whose bytes were hashed on their way in (a commit, a pull,
 * a verify). Written to a temp file and renamed, so concurrent processes each leave a whole record; the last one wins,
 * and any of them is true. A record that cannot be written (a read-only store) only costs a hash next time.
 */
export async function markVerified(dataDir: string, file: string, version: string, known?: string): Promise<void> {
  try {
    const id = known ?? (await fileIdentity(file));
    seen.set(file, id);
    const dest = verifiedPath(dataDir, version);
    await mkdir(path.dirname(dest), { recursive: true });
    // Named for this process (debris.ts), so that a kill between the write and the rename leaves nothing for good.
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(tmp, id);
    await rename(tmp, dest).catch(async (e: unknown) => {
      await rm(tmp, { force: true });
      throw e;
    });
  } catch {
    // Best effort: see above.
  }
}

/** Forgets what this process has seen, as a new process starts (for benchmarks). */
export const forgetSeen = () => seen.clear();

/** Forgets an object (gc removed it, or it was found corrupt). */
export async function forgetVerified(dataDir: string, file: string, version: string): Promise<void> {
  seen.delete(file);
  await rm(verifiedPath(dataDir, version), { force: true });
}
