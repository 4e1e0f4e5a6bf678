import fs from "node:fs";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import git from "isomorphic-git";
import { LabbookError, usageError } from "../errors.ts";
import { assertDatasetName, VERSION } from "../store/version.ts";

/** Pin-set name → dataset → version. */
export type Pins = Record<string, Record<string, string>>;

export const PIN_SET = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
export const PINS_FILE = "pins.json";

export function assertPinSet(name: string): void {
  if (!PIN_SET.test(name)) throw usageError(`invalid pin set name "${name}": expected ${PIN_SET}`);
}

function parsePins(text: string, where: string): Pins {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LabbookError(`${where} is not valid JSON: ${(e as Error).message}`, { code: "E_INTEGRITY" });
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new LabbookError(`${where} must be an object of pin sets`, { code: "E_INTEGRITY" });
  }
  for (const [set, pins] of Object.entries(raw as Record<string, unknown>)) {
    if (!PIN_SET.test(set) || !pins || typeof pins !== "object") {
      throw new LabbookError(`${where}: bad pin set "${set}"`, { code: "E_INTEGRITY" });
    }
    for (const [dataset, version] of Object.entries(pins as Record<string, unknown>)) {
      if (typeof version !== "string" || !VERSION.test(version) || !/^[a-z][a-z0-9_]{0,62}$/.test(dataset)) {
        throw new LabbookError(`${where}: bad pin ${set}.${dataset} = ${JSON.stringify(version)}`, { code: "E_INTEGRITY" });
      }
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

/** Resolves a commit, tag (annotated or light) or branch to a commit id. */
export async function resolveRev(root: string, rev: string): Promise<string> {
  const dir = await git.findRoot({ fs, filepath: root });
  let oid: string | undefined;
  for (const ref of [rev, `refs/tags/${rev}`, `refs/heads/${rev}`]) {
    oid = await git.resolveRef({ fs, dir, ref }).catch(() => undefined);
    if (oid) break;
  }
  if (!oid && /^[0-9a-f]{4,40}$/.test(rev)) oid = await git.expandOid({ fs, dir, oid: rev }).catch(() => undefined);
  if (!oid) throw new LabbookError(`unknown git revision "${rev}"`, { code: "E_NOT_FOUND" });
  // Peel annotated tags to their commit.
  for (;;) {
    const { type, object } = await git.readObject({ fs, dir, oid });
    if (type !== "tag") return oid;
    oid = (object as { object: string }).object;
  }
}

/** Pins as committed at a git revision (commit, tag or branch), read through isomorphic-git. */
export async function readPinsAtRev(root: string, lineageDir: string, rev: string): Promise<Pins> {
  const dir = await git.findRoot({ fs, filepath: root });
  const oid = await resolveRev(root, rev);
  const filepath = path.relative(dir, path.join(lineageDir, PINS_FILE)).split(path.sep).join("/");
  try {
    const { blob } = await git.readBlob({ fs, dir, oid, filepath });
    return parsePins(Buffer.from(blob).toString("utf8"), `lineage/pins.json at ${rev}`);
  } catch (e) {
    if (e instanceof LabbookError) throw e;
    return {};
  }
}

/** Stable-sorted JSON, so diffs of pins.json read well in git. */
export function formatPins(pins: Pins): string {
  const sorted: Pins = {};
  for (const set of Object.keys(pins).sort()) {
    const entries = Object.entries(pins[set]!).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length) sorted[set] = Object.fromEntries(entries);
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

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
      details: [Object.keys(pins).length ? `Pin sets: ${Object.keys(pins).join(", ")}.` : `Nothing is pinned yet: run "labbook pin ${set} --all".`],
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
