import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Partitioning } from "../datasets/define.ts";
import { LabbookError } from "../errors.ts";
import type { SchemaField } from "../lineage/record.ts";
import { tempPath, type StagedFile } from "./objects.ts";
import { hexOf, shortVersion, VERSION, versionOf } from "../lineage/version.ts";
import { rm } from "node:fs/promises";

/**
 * A version made of partitions is named by its manifest: canonical JSON listing each partition's key, object, rows
 * and bytes, and the schema. The version is the sha256 of the manifest's bytes, so the same partitions give the same
 * version however they were written, and the manifest is stored beside the objects, content-addressed like them.
 */

export const MANIFEST_FORMAT = "labbook-partitions/1";

export interface PartitionEntry {
  /** The partition's key: "2025-06-01" for a day, "2025-06" for a month. */
  key: string;
  /** The Parquet object holding the partition's rows, sorted by the sort key. */
  object: string;
  rows: number;
  bytes: number;
}

export interface VersionManifest {
  format: typeof MANIFEST_FORMAT;
  partitioning: Partitioning;
  schema: SchemaField[];
  /** Sorted by key. */
  partitions: PartitionEntry[];
}

/** data/objects/<first two hex>/<hex>.json: where a partitioned version's manifest is stored. */
export function manifestPath(dataDir: string, version: string): string {
  const hex = hexOf(version);
  return path.join(dataDir, "objects", hex.slice(0, 2), `${hex}.json`);
}

/** The canonical bytes: fixed key order, partitions by key, no spaces, one newline. */
export function manifestBytes(m: Omit<VersionManifest, "format">): Buffer {
  const canonical = {
    format: MANIFEST_FORMAT,
    partitioning: { column: m.partitioning.column, grain: m.partitioning.grain },
    schema: m.schema.map((f) => ({ name: f.name, type: f.type })),
    partitions: [...m.partitions]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((p) => ({ key: p.key, object: p.object, rows: p.rows, bytes: p.bytes })),
  };
  return Buffer.from(`${JSON.stringify(canonical)}\n`, "utf8");
}

export const manifestVersion = (bytes: Buffer) => versionOf(createHash("sha256").update(bytes).digest("hex"));

/** Writes a manifest to a temp file, named by its version, for commitPartitioned to rename into place. */
export async function stageManifest(dataDir: string, m: Omit<VersionManifest, "format">): Promise<StagedFile> {
  const bytes = manifestBytes(m);
  const file = await tempPath(dataDir, ".json");
  await writeFile(file, bytes);
  return { path: file, version: manifestVersion(bytes), size: bytes.length, discard: () => rm(file, { force: true }) };
}

/**
 * The manifest of a partitioned version, or undefined when none is stored. Always hashed (it is small): a manifest
 * whose bytes do not give its version fails with E_INTEGRITY.
 */
export async function readManifest(
  dataDir: string,
  version: string,
  dataset?: string,
): Promise<VersionManifest | undefined> {
  const file = manifestPath(dataDir, version);
  if (!existsSync(file)) return undefined;
  const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (!bytes) return undefined;
  const got = manifestVersion(bytes);
  const name = dataset ? `${dataset}@${shortVersion(version)}` : shortVersion(version);
  if (got !== version)
    throw new LabbookError(`${name} is corrupt: its manifest ${file} does not hold version ${version}`, {
      code: "E_INTEGRITY",
      details: [
        `Its bytes hash to ${got}; refused to read them.`,
        'Run "labbook pull" with LABBOOK_REMOTE set to replace it with the remote\'s copy, then "labbook verify".',
      ],
    });
  return parseManifest(bytes, name);
}

/** Parses manifest bytes, checking their shape; `name` says whose manifest in an error. */
export function parseManifest(bytes: Buffer, name: string): VersionManifest {
  let m: VersionManifest;
  try {
    m = JSON.parse(bytes.toString("utf8")) as VersionManifest;
  } catch {
    throw new LabbookError(`the manifest of ${name} is not JSON`, { code: "E_INTEGRITY" });
  }
  const ok =
    m?.format === MANIFEST_FORMAT &&
    Array.isArray(m.partitions) &&
    Array.isArray(m.schema) &&
    m.partitions.every(
      (p) =>
        typeof p.key === "string" && VERSION.test(p.object) && Number.isInteger(p.rows) && Number.isInteger(p.bytes),
    );
  if (!ok)
    throw new LabbookError(`the manifest of ${name} is not a ${MANIFEST_FORMAT} manifest`, { code: "E_INTEGRITY" });
  return m;
}
