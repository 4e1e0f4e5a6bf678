import fs from "node:fs";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import git from "isomorphic-git";
import { LabbookError, usageError } from "../errors.ts";
import { assertDatasetName, VERSION } from "./version.ts";

/** Pin-set name → dataset → version. */
export type Pins = Record<string, Record<string, string>>;

export const PIN_SET = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
export const PINS_FILE = "pins.json";

export function assertPinSet(name: string): void {
  if (!PIN_SET.test(name)) throw usageError(`invalid pin set name "${name}": expected ${PIN_SET}`);
}

export function parsePins(text: string, where: string): Pins {
  const broken = (message: string) =>
    new LabbookError(message, {
      code: "E_INTEGRITY",
      details: [
        'pins.json holds pin sets, each mapping a dataset to a version: {"default": {"behavioral_events": "sha256:<64 hex>"}}.',
        'Restore the committed file with "git checkout -- lineage/pins.json" (see "git log -p lineage/pins.json"),',
        'or fix it by hand; "labbook versions <dataset>" lists the versions that can be pinned.',
      ],
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw broken(`${where} is not valid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw broken(`${where} must be an object of pin sets`);
  for (const [set, pins] of Object.entries(raw as Record<string, unknown>)) {
    if (!PIN_SET.test(set) || !pins || typeof pins !== "object" || Array.isArray(pins))
      throw broken(`${where}: bad pin set "${set}"`);
    for (const [dataset, version] of Object.entries(pins as Record<string, unknown>)) {
      if (typeof version !== "string" || !VERSION.test(version) || !/^[a-z][a-z0-9_]{0,62}$/.test(dataset))
        throw broken(`${where}: bad pin ${set}.${dataset} = ${JSON.stringify(version)}`);
    }
  }
  return raw as Pins;
}

/** Pins from the working tree; an absent file is no pins. */
export async function readPins(lineageDir: string): Promise<Pins> {
  const file = path.join(lineageDir, PINS_FILE);
  if (!existsSync(file)) return {};
  return parsePins(await readFile(file, "utf8"), "lineage/pins.json");
}

/** The root of the git repository holding `root`, or a clear error outside one. */
export async function gitRoot(root: string): Promise<string> {
  try {
    return await git.findRoot({ fs, filepath: root });
  } catch {
    throw new LabbookError(`not a git repository: ${root}`, {
      code: "E_NOT_FOUND",
      details: ["Pins at a revision are read from git history; run inside the project's repository."],
    });
  }
}

/**
 * Resolves a commit, tag (annotated or light) or branch to a commit id. Trailing `~N` and `^` step back along first
 * parents, as in git (isomorphic-git does not parse them itself).
 */
export async function resolveRev(root: string, rev: string): Promise<string> {
  const dir = await gitRoot(root);
  const [, base, steps] = /^(.*?)((?:~\d*|\^)*)$/.exec(rev)!;
  let oid: string | undefined;
  for (const ref of [base!, `refs/tags/${base}`, `refs/heads/${base}`]) {
    oid = await git.resolveRef({ fs, dir, ref }).catch(() => undefined);
    if (oid) break;
  }
  if (!oid && /^[0-9a-f]{4,40}$/.test(base!)) oid = await git.expandOid({ fs, dir, oid: base! }).catch(() => undefined);
  if (!oid) throw new LabbookError(`unknown git revision "${rev}"`, { code: "E_NOT_FOUND" });
  let commit = await peelToCommit(dir, oid, rev);
  for (const step of steps!.match(/~\d*|\^/g) ?? []) {
    for (let n = step === "^" || step === "~" ? 1 : Number(step.slice(1)); n > 0; n--) {
      const parent: string | undefined = (await git.readCommit({ fs, dir, oid: commit })).commit.parent[0];
      if (!parent)
        throw new LabbookError(`unknown git revision "${rev}": history ends before it`, { code: "E_NOT_FOUND" });
      commit = parent;
    }
  }
  return commit;
}

/** Peels annotated tags down to the commit they name; E_NOT_FOUND when they name a tree or blob. */
export async function peelToCommit(dir: string, oid: string, what = oid, cache: object = {}): Promise<string> {
  for (;;) {
    const { type, object } = await git.readObject({ fs, dir, oid, cache });
    if (type === "commit") return oid;
    if (type !== "tag")
      throw new LabbookError(`git revision "${what}" does not name a commit`, { code: "E_NOT_FOUND" });
    oid = (object as { object: string }).object;
  }
}

/** pins.json's path inside the repository, with forward slashes as git wants. */
export function pinsFilepath(dir: string, lineageDir: string): string {
  return path.relative(dir, path.join(lineageDir, PINS_FILE)).split(path.sep).join("/");
}

/**
 * The blob id of the file at `filepath` in a tree, or undefined when no such file exists there. A missing tree object
 * throws (isomorphic-git's NotFoundError), unlike a missing file: history that cannot be read is not "no pins".
 */
export async function blobAt(
  dir: string,
  treeOid: string,
  filepath: string,
  cache: object,
): Promise<string | undefined> {
  let oid = treeOid;
  const parts = filepath.split("/");
  for (const [i, name] of parts.entries()) {
    const { tree } = await git.readTree({ fs, dir, oid, cache });
    const entry = tree.find((e) => e.path === name);
    if (!entry || entry.type !== (i === parts.length - 1 ? "blob" : "tree")) return undefined;
    oid = entry.oid;
  }
  return oid;
}

/**
 * Pins as committed at one commit, or undefined when that commit has no pins.json. A commit whose objects are missing
 * fails rather than reading as "no pins". `cache` is isomorphic-git's cache object, shared across many reads.
 */
export async function readPinsAtCommit(
  dir: string,
  filepath: string,
  oid: string,
  cache: object = {},
): Promise<{ blob: string; pins: Pins } | undefined> {
  let found: { oid: string; blob: Uint8Array } | undefined;
  try {
    const { commit } = await git.readCommit({ fs, dir, oid, cache });
    const blob = await blobAt(dir, commit.tree, filepath, cache);
    if (blob === undefined) return undefined;
    found = await git.readBlob({ fs, dir, oid: blob, cache });
  } catch (e) {
    throw new LabbookError(`cannot read ${filepath} at ${oid.slice(0, 12)}: ${(e as Error).message}`, {
      code: "E_IO",
      cause: e,
      details: ['The repository is incomplete or damaged: run "git fsck", fetch the missing objects, and try again.'],
    });
  }
  return {
    blob: found.oid,
    pins: parsePins(Buffer.from(found.blob).toString("utf8"), `lineage/pins.json at ${oid.slice(0, 12)}`),
  };
}

/** Pins as committed at a git revision (commit, tag or branch), read through isomorphic-git. */
export async function readPinsAtRev(root: string, lineageDir: string, rev: string): Promise<Pins> {
  const dir = await gitRoot(root);
  const oid = await resolveRev(root, rev);
  return (await readPinsAtCommit(dir, pinsFilepath(dir, lineageDir), oid))?.pins ?? {};
}

/** Stable-sorted JSON, so diffs of pins.json read well in git. Empty sets are dropped. */
export function formatPins(pins: Pins): string {
  const sorted: Pins = {};
  for (const set of Object.keys(pins).sort()) {
    const entries = Object.entries(pins[set]!).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length) sorted[set] = Object.fromEntries(entries);
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Writes pins.json through a temp file and a rename. Callers that read-modify-write hold the store lock. */
export async function writePins(lineageDir: string, pins: Pins): Promise<void> {
  await mkdir(lineageDir, { recursive: true });
  const file = path.join(lineageDir, PINS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, formatPins(pins));
  await rename(tmp, file);
}

/** One pin set; fails naming the sets that exist. */
export function pinSet(pins: Pins, set: string): Record<string, string> {
  assertPinSet(set);
  const found = pins[set];
  if (!found) {
    throw new LabbookError(`no pin set "${set}" in lineage/pins.json`, {
      code: "E_NOT_FOUND",
      details: [
        Object.keys(pins).length
          ? `Pin sets: ${Object.keys(pins).join(", ")}.`
          : `Nothing is pinned yet: run "labbook pin ${set} --all".`,
      ],
    });
  }
  return found;
}

/** The version a set pins for a dataset. */
export function pinnedVersion(pins: Pins, set: string, dataset: string): string {
  assertDatasetName(dataset);
  const version = pinSet(pins, set)[dataset];
  if (!version) throw new LabbookError(`pin set "${set}" does not pin ${dataset}`, { code: "E_NOT_FOUND" });
  return version;
}

/** Every version any set pins. */
export function allPinnedVersions(pins: Pins): Set<string> {
  return new Set(Object.values(pins).flatMap((set) => Object.values(set)));
}

/** The pin sets that pin `version` for `dataset`, sorted by name. */
export function setsPinning(pins: Pins, dataset: string, version: string): string[] {
  return Object.keys(pins)
    .filter((set) => pins[set]![dataset] === version)
    .sort();
}
