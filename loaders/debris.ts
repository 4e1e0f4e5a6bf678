import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, readdir, rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

/**
 * Temp files that a killed process leaves behind. Every temp name labbook makes carries the pid of its maker, so a
 * later process can tell what is provably dead (the pid no longer runs) from what another live process is writing.
 * A name without a pid is never removed: it may belong to anyone.
 *
 * The names:
 * - `data/tmp/<pid>-<uuid><suffix>`: staging Parquet files, FIFOs, scratch DuckDB files (tempName);
 * - `data/tmp/duckdb/<pid>-<uuid>/`: DuckDB spill directories;
 * - `<file>.<pid>.tmp` and `<file>.<pid>.<hex>.tmp`: a file being replaced by a rename (lineage records, pins.json,
 *   data/gc.json, the offload index, the lock, the marks in data/verified), in the data and lineage directories and
 *   one level below;
 * - `.<name>.tmp-<pid>-<uuid>`, `.<name>.ready-<pid>-<uuid>`, `.<name>.old-<pid>-<uuid>`: a site or export being built
 *   beside <name>, and the previous one during the swap (siblingName);
 * - `<output>.<pid>` and `<output>.<pid>.err` in Framework's loader cache (src/.observablehq/cache): the file a
 *   Framework process writes a loader's output into before renaming it, named for that Framework process.
 *
 * What a commit of a partitioned version killed midway left (its journal in data/pending, the objects that nothing
 * else names, its manifest if no record describes it) is debris too, of kind "commit". Telling those objects from the
 * store's takes reading every record and manifest, so store/pending.ts finds them, verify lists them and gc removes
 * them; the sweep that every command taking the store lock runs does not.
 */

export type Alive = (pid: number) => boolean;

/** Whether a process runs: signal 0 checks without sending. EPERM means it runs as another user. */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A file name for data/tmp that names this process: `<pid>-<uuid><suffix>`. */
export const tempName = (suffix = "") => `${process.pid}-${randomUUID()}${suffix}`;

export type SiblingKind = "tmp" | "ready" | "old";

/** A hidden sibling of `name` in the same directory, for a directory built and then swapped into place. */
export const siblingName = (name: string, kind: SiblingKind) => `.${name}.${kind}-${process.pid}-${randomUUID()}`;

/**
 * A temp name on a remote, which other machines may share: it names this host too, and only the host that made it
 * judges whether its process is gone. `<pid>-<uuid>-<host>` (no "@": some S3 servers mishandle it in CopySource).
 */
export const remoteTempName = () => `${process.pid}-${randomUUID()}-${HOST}`;

/** Whether a remote temp name (without its "tmp-" or "tmp/" and ".tmp") was made on this host by a dead process. */
export function deadRemoteTemp(name: string, alive: Alive = pidAlive): boolean {
  const m = REMOTE_TEMP.exec(name);
  return Boolean(m && m[2] === HOST && !alive(Number(m[1])));
}

const HOST = hostname().replace(/[^A-Za-z0-9.-]/g, "_");
const REMOTE_TEMP = /^(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-(.+)$/;
const TEMP_NAME = /^(\d+)-[0-9a-f-]{36}/;
const RENAME_TEMP = /\.(\d+)(?:\.[0-9a-f]+)?\.tmp$/;
const SIBLING = /^\.(.+)\.(tmp|ready|old)-(\d+)-[0-9a-f-]{36}$/;
// Framework's temp for a loader output: the output's name (which ends in a data extension), its pid, maybe ".err".
const FRAMEWORK_TEMP = /\.[A-Za-z][A-Za-z0-9]*\.(\d+)(?:\.err)?$/;

export interface Debris {
  /** Absolute path. */
  path: string;
  /** The dead process that made it. */
  pid: number;
  kind: "staging" | "spill" | "temp-file" | "site" | "cache" | "commit";
  /** What it is, when its name does not say: "a partition object of events_dedup@3f2a9c1e8b7d, …". */
  detail?: string;
}

export interface DebrisDirs {
  dataDir: string;
  lineageDir: string;
  /** The project root, where `dist/` is built. */
  root?: string;
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** What dead processes left in the store's directories (and beside `dist/` in the root, when given). */
export async function findDebris(dirs: DebrisDirs, alive: Alive = pidAlive): Promise<Debris[]> {
  const out: Debris[] = [];
  const tmp = path.join(dirs.dataDir, "tmp");
  for (const name of await entries(tmp)) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (pid && !alive(pid)) out.push({ path: path.join(tmp, name), pid, kind: "staging" });
  }
  const spill = path.join(tmp, "duckdb");
  for (const name of await entries(spill)) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (pid && !alive(pid)) out.push({ path: path.join(spill, name), pid, kind: "spill" });
  }
  // Rename temps sit beside the file they replace: in lineage/ and lineage/<dataset>/, in data/ and in the folders of
  // data/ that hold such files. Never inside the database cluster (data/postgres), whose files are not ours.
  const dataFolders = new Set(["offload", "pending", "site", "verified"].map((f) => path.join(dirs.dataDir, f)));
  const isDir = (p: string) =>
    lstat(p).then(
      (s) => s.isDirectory(),
      () => false,
    );
  for (const dir of [dirs.dataDir, dirs.lineageDir]) {
    for (const name of await entries(dir)) {
      const full = path.join(dir, name);
      const pid = Number(RENAME_TEMP.exec(name)?.[1]);
      if (pid) {
        if (!alive(pid)) out.push({ path: full, pid, kind: "temp-file" });
        continue;
      }
      if (dir === dirs.dataDir && !dataFolders.has(full)) continue;
      if (!(await isDir(full))) continue;
      for (const inner of await entries(full)) {
        const p = Number(RENAME_TEMP.exec(inner)?.[1]);
        if (p && !alive(p)) out.push({ path: path.join(full, inner), pid: p, kind: "temp-file" });
      }
    }
  }
  if (dirs.root) {
    out.push(...(await findSiblings(dirs.root, undefined, alive)));
    out.push(...(await findFrameworkTemps(path.join(dirs.root, "src", ".observablehq", "cache"), alive)));
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The loader outputs that Framework processes now gone were writing into the cache (see the names above). */
export async function findFrameworkTemps(cache: string, alive: Alive = pidAlive): Promise<Debris[]> {
  const files = await readdir(cache, { recursive: true, withFileTypes: true }).catch(() => []);
  const out: Debris[] = [];
  for (const f of files) {
    const pid = Number(FRAMEWORK_TEMP.exec(f.name)?.[1]);
    if (f.isFile() && pid && !alive(pid) && !f.parentPath.includes(".labbook-stamps"))
      out.push({ path: path.join(f.parentPath, f.name), pid, kind: "cache" });
  }
  return out;
}

/** Hidden `.<name>.<kind>-<pid>-<uuid>` siblings of dead processes in `parent` (of `name` only, when given). */
export async function findSiblings(parent: string, name?: string, alive: Alive = pidAlive): Promise<Debris[]> {
  const out: Debris[] = [];
  for (const entry of await entries(parent)) {
    const m = SIBLING.exec(entry);
    if (!m || (name !== undefined && m[1] !== name)) continue;
    const pid = Number(m[3]);
    if (!alive(pid)) out.push({ path: path.join(parent, entry), pid, kind: "site" });
  }
  return out;
}

/**
 * Puts a site back when a process died between the two renames that replace `<parent>/<name>`: the finished new one
 * (`.ready-`) if it is there, else the previous one (`.old-`). Returns the path restored from, if any.
 */
export async function restoreSwapped(
  parent: string,
  name: string,
  alive: Alive = pidAlive,
): Promise<string | undefined> {
  const final = path.join(parent, name);
  if (existsSync(final)) return undefined;
  const left = await findSiblings(parent, name, alive);
  const pick = (kind: SiblingKind) => left.find((d) => path.basename(d.path).startsWith(`.${name}.${kind}-`));
  const from = pick("ready") ?? pick("old");
  if (!from) return undefined;
  await rename(from.path, final);
  return from.path;
}

/** Removes what `findDebris` finds; never fails the command that sweeps. Returns what was removed. */
export async function sweepDebris(dirs: DebrisDirs, alive: Alive = pidAlive): Promise<Debris[]> {
  if (dirs.root) await restoreSwapped(dirs.root, "dist", alive).catch(() => undefined);
  const found = await findDebris(dirs, alive).catch(() => []);
  const removed: Debris[] = [];
  for (const d of found) {
    const ok = await rm(d.path, { recursive: true, force: true }).then(
      () => true,
      () => false,
    );
    if (ok) removed.push(d);
  }
  return removed;
}
