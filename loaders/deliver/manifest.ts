import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { LabbookError } from "../errors.ts";
import { hashFile } from "../store/objects.ts";
import type { ExportFile, ExportFormat, ParquetCompression } from "./format.ts";
import type { FilterSpec } from "./filter.ts";
import type { Column } from "./source.ts";

export const MANIFEST_FILE = "manifest.json";

/** manifest.json of one export: what was exported, from which version, and the sha256 of every file. */
export interface ExportManifest {
  kind: "labbook-export";
  manifestVersion: 1;
  dataset: string;
  /** The source version, sha256:<hex>. */
  version: string;
  /** The pin set the version was taken from, or null. */
  pinSet: string | null;
  format: ExportFormat;
  createdAt: string;
  labbookVersion: string;
  git: { commit: string | null; dirty: boolean | null };
  rowCount: number;
  /** See schemaVersion() in to-ndjson.ts. */
  schemaVersion: string;
  /** The version's columns and their DuckDB types. Text formats write timestamps as ISO 8601 UTC. */
  columns: Column[];
  options: {
    compression?: ParquetCompression;
    /** A derived partition column (`date`) is not among `columns`: it lives in the file paths. */
    partitionBy?: { column: string; derivedFrom?: string };
    filters: FilterSpec[];
    bom?: boolean;
  };
  files: ExportFile[];
}

export async function writeManifest(dir: string, manifest: ExportManifest): Promise<void> {
  await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function readManifest(dir: string): Promise<ExportManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  try {
    const m = JSON.parse(await readFile(file, "utf8")) as ExportManifest;
    if (m.kind !== "labbook-export" || !Array.isArray(m.files)) throw new Error("not a labbook export manifest");
    return m;
  } catch (e) {
    throw new LabbookError(`unreadable export manifest ${file}: ${(e as Error).message}`, { code: "E_INTEGRITY" });
  }
}

export interface ListedExport {
  dir: string;
  manifest: ExportManifest;
}

/** Every export under `root` (manifests up to four levels down; hidden temp directories are skipped). */
export async function listExports(root: string, depth = 4): Promise<ListedExport[]> {
  if (!existsSync(root)) return [];
  if (existsSync(path.join(root, MANIFEST_FILE))) {
    const manifest = await readManifest(root).catch(() => undefined);
    return manifest ? [{ dir: root, manifest }] : [];
  }
  if (depth === 0) return [];
  const entries = await readdir(root, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => listExports(path.join(root, e.name), depth - 1)),
  );
  return nested.flat().sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt));
}

/** Re-hashes an export's files against its manifest; returns the problems, each naming a file. */
export async function checkExport(dir: string, manifest: ExportManifest): Promise<string[]> {
  const problems: string[] = [];
  for (const f of manifest.files) {
    const file = path.join(dir, ...f.path.split("/"));
    if (!existsSync(file)) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    const { version, size } = await hashFile(file);
    if (version !== f.sha256 || size !== f.size) problems.push(`${f.path}: sha256 does not match the manifest`);
  }
  return problems;
}
