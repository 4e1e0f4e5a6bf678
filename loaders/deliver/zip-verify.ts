import { LabbookError } from "../errors.ts";
import { hashZipEntries } from "./zip-read.ts";
import { ZIP_MANIFEST, type ZippedFile } from "./zip-write.ts";

/**
 * manifest.json: at the top of an archive (and of offload zips written before it moved), or beside the README in an
 * offload zip's own folder, data/offload/<name>/, where unpacking into a project puts it beside the offload zips.
 */
const MANIFEST_ENTRY = /^(data\/offload\/[^/]+\/)?manifest\.json$/;

/**
 * data/objects/<2 hex>/<64 hex>.parquet: a store object, which names its own sha256; .json: the manifest of a version
 * made of partitions, named by its sha256 alike.
 */
export const OBJECT_ENTRY = /^data\/objects\/([0-9a-f]{2})\/(\1[0-9a-f]{62})\.(?:parquet|json)$/;

export interface ZipCheck {
  file: string;
  entries: number;
  objects: number;
  bytes: number;
  /** One line per bad file, each starting with its name in the zip. */
  problems: string[];
}

/**
 * Re-hashes every entry of an archive or offload zip: store objects against the version in their name, every other
 * file against the sha256 in manifest.json. Reads the zip once, streaming.
 */
export async function checkZip(file: string): Promise<ZipCheck> {
  const { entries, kept } = await hashZipEntries(file, (name) => MANIFEST_ENTRY.test(name));
  const problems: string[] = [];
  let listed = new Map<string, ZippedFile>();
  const manifest = entries.find((e) => MANIFEST_ENTRY.test(e.name))?.name ?? ZIP_MANIFEST;
  const raw = kept.get(manifest);
  if (!raw) problems.push(`${manifest}: missing or unreadable`);
  else {
    try {
      const files = (JSON.parse(raw.toString("utf8")) as { files?: ZippedFile[] }).files;
      if (!Array.isArray(files)) throw new Error("no files list");
      listed = new Map(files.map((f) => [f.path, f]));
    } catch (e) {
      problems.push(`${manifest}: not a labbook manifest (${(e as Error).message})`);
    }
  }
  let objects = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (entry.name === manifest) continue;
    if (entry.error !== undefined) {
      problems.push(`${entry.name}: unreadable (${entry.error})`);
      continue;
    }
    bytes += entry.size!;
    const object = OBJECT_ENTRY.exec(entry.name);
    const expected = listed.get(entry.name);
    if (object) {
      objects++;
      if (entry.sha256 !== `sha256:${object[2]}`) problems.push(`${entry.name}: does not hash to its version`);
    }
    if (expected && (expected.sha256 !== entry.sha256 || expected.size !== entry.size)) {
      if (!object) problems.push(`${entry.name}: sha256 does not match the manifest`);
    } else if (!expected && !object && raw) problems.push(`${entry.name}: not listed in the manifest`);
  }
  const present = new Set(entries.map((e) => e.name));
  for (const name of listed.keys()) if (!present.has(name)) problems.push(`${name}: missing from the zip`);
  return { file, entries: entries.length, objects, bytes, problems };
}

/** checkZip, failing with E_INTEGRITY that names the first bad file (and lists all of them). */
export async function verifyZip(file: string): Promise<ZipCheck> {
  const check = await checkZip(file);
  if (check.problems.length)
    throw new LabbookError(`${file} is corrupt: ${check.problems[0]}`, {
      code: "E_INTEGRITY",
      details: check.problems.length > 1 ? check.problems : [],
    });
  return check;
}
