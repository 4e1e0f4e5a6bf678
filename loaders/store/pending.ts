import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { listDatasets, listVersions } from "../lineage/catalog.ts";
import { listObjects } from "./inventory.ts";
import { manifestPath, readManifest } from "./manifest.ts";
import { objectPath } from "./objects.ts";
import { hexOf } from "../lineage/version.ts";

/**
 * A version made of partitions reaches the store as several files: its partition objects first, its manifest last.
 * A process killed between the two leaves objects that no manifest names, which look like objects of a version
 * recorded on another branch. So before its first object lands, a commit (or a pull) writes a pending-commit journal,
 * data/pending/<version hex>.json, naming the version and its objects, and removes it once the manifest is in place.
 * A journal whose process is gone marks an interrupted commit: verify lists what it left (the objects nothing else
 * names, and its manifest when no lineage record describes it) as debris of that process, and gc removes it.
 */

export interface PendingCommit {
  dataset: string;
  version: string;
  /** The partition objects the commit puts in the store. */
  objects: string[];
  /** The process that writes them: while it lives, the commit is under way, not interrupted. */
  pid: number;
  startedAt: string;
}

export const pendingDir = (dataDir: string) => path.join(dataDir, "pending");
export const pendingPath = (dataDir: string, version: string) =>
  path.join(pendingDir(dataDir), `${hexOf(version)}.json`);

/** Writes the journal (temp file and rename) before any of `objects` is put in the store. */
export async function beginPending(dataDir: string, entry: Omit<PendingCommit, "pid" | "startedAt">): Promise<void> {
  const file = pendingPath(dataDir, entry.version);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const body: PendingCommit = { ...entry, pid: process.pid, startedAt: new Date().toISOString() };
  await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`);
  await rename(tmp, file);
}

/** Removes the journal once the manifest names the objects (or the commit gave up and removed them). */
export async function endPending(dataDir: string, version: string): Promise<void> {
  await rm(pendingPath(dataDir, version), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface InterruptedCommit {
  /** The journal file. */
  path: string;
  entry: PendingCommit | undefined;
  /**
   * Objects the commit put in the store that no other stored manifest names and that are no recorded version: its
   * own manifest names them only for a version that it never recorded.
   */
  orphans: string[];
  /** Its manifest, when the commit stored it and died before the lineage record: whole, but nothing describes it. */
  manifest?: string;
}

/**
 * The journals of commits whose process is gone (an unreadable journal counts as one, with nothing to remove), and
 * what each left behind that nothing refers to: its manifest, if stored without a record, and the objects no other
 * manifest names. A manifest that cannot be read could name any object: then no object is called an orphan.
 */
export async function interruptedCommits(config: {
  dataDir: string;
  lineageDir: string;
}): Promise<InterruptedCommit[]> {
  const dir = pendingDir(config.dataDir);
  if (!existsSync(dir)) return [];
  const out: InterruptedCommit[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".json")).sort()) {
    const file = path.join(dir, name);
    const entry = await readFile(file, "utf8").then(
      (t) => JSON.parse(t) as PendingCommit,
      () => undefined,
    );
    if (entry && !Array.isArray(entry.objects)) out.push({ path: file, entry: undefined, orphans: [] });
    else if (!entry || !alive(entry.pid)) out.push({ path: file, entry, orphans: [] });
  }
  if (!out.length) return out;
  const recorded = await recordedVersions(config.lineageDir);
  for (const c of out) {
    const file = c.entry && manifestPath(config.dataDir, c.entry.version);
    if (file && existsSync(file) && !recorded.has(c.entry!.version)) c.manifest = file;
  }
  const unrecorded = new Set(out.filter((c) => c.manifest).map((c) => c.entry!.version));
  const named = await namedObjects(config, new Set(), unrecorded);
  for (const c of out)
    c.orphans = (c.entry?.objects ?? []).filter(
      (o) => named !== "all" && !named.has(o) && existsSync(objectPath(config.dataDir, o)),
    );
  return out;
}

/** Every version a lineage record describes, of any dataset. */
async function recordedVersions(lineageDir: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const dataset of await listDatasets(lineageDir))
    for (const v of await listVersions(lineageDir, dataset)) out.add(v.version);
  return out;
}

/**
 * The objects that versions in the store refer to: every recorded version but those `except` (an object can be both a
 * version and another version's partition), and every object a stored manifest names but the manifests of
 * `unlisted` versions (left by interrupted commits); "all" when a manifest cannot be read, since it could name any
 * object.
 */
export async function namedObjects(
  config: { dataDir: string; lineageDir: string },
  except: ReadonlySet<string> = new Set(),
  unlisted: ReadonlySet<string> = new Set(),
): Promise<Set<string> | "all"> {
  const named = new Set<string>();
  for (const v of await recordedVersions(config.lineageDir)) if (!except.has(v)) named.add(v);
  for (const f of await listObjects(config.dataDir)) {
    if (f.kind !== "manifest" || !f.version || unlisted.has(f.version)) continue;
    const manifest = await readManifest(config.dataDir, f.version).catch(() => undefined);
    if (!manifest) return "all";
    for (const p of manifest.partitions) named.add(p.object);
  }
  return named;
}
