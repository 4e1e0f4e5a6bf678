import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { getDataset, makerCommand } from "../datasets/index.ts";
import { isLabbookError, LabbookError } from "../errors.ts";
import { assertDatasetName, hexOf, resolveVersion, versionOf } from "../store/version.ts";
import { customFacet } from "./facets.ts";
import type { LineageRecord } from "./record.ts";

/** lineage/<dataset>/<hex>.json */
export function recordPath(lineageDir: string, dataset: string, version: string): string {
  assertDatasetName(dataset);
  return path.join(lineageDir, dataset, `${hexOf(version)}.json`);
}

export interface VersionEntry {
  dataset: string;
  version: string;
  createdAt: string;
  rowCount: number;
  size: number;
  job: string;
  parameters: Record<string, unknown>;
  record: LineageRecord;
}

export function entryOf(dataset: string, record: LineageRecord): VersionEntry {
  const out = record.outputs[0]!;
  return {
    dataset,
    version: out.facets.version.datasetVersion,
    createdAt: record.eventTime,
    rowCount: out.outputFacets.outputStatistics.rowCount,
    size: out.outputFacets.outputStatistics.size,
    job: record.job.name,
    parameters: (record.run.facets.labbook_parameters as { parameters: Record<string, unknown> }).parameters,
    record,
  };
}

/** The row filters a run selected with, from its parameters, as "name=value" ("since=2025-09-01"); empty for all rows. */
export function filtersOf(parameters: Record<string, unknown>): string[] {
  const filters = (parameters.filters ?? {}) as Record<string, unknown>;
  return Object.entries(filters)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${String(v)}`);
}

export async function readRecord(lineageDir: string, dataset: string, version: string): Promise<LineageRecord> {
  const file = recordPath(lineageDir, dataset, version);
  try {
    return JSON.parse(await readFile(file, "utf8")) as LineageRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new LabbookError(`no lineage record for ${dataset}@${hexOf(version).slice(0, 12)}`, {
        code: "E_NOT_FOUND",
      });
    }
    throw new LabbookError(`unreadable lineage record ${path.basename(file)}: ${(e as Error).message}`, {
      code: "E_INTEGRITY",
    });
  }
}

/** All versions of a dataset, newest first. */
export async function listVersions(lineageDir: string, dataset: string): Promise<VersionEntry[]> {
  assertDatasetName(dataset);
  const dir = path.join(lineageDir, dataset);
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => /^[0-9a-f]{64}\.json$/.test(f));
  const entries = await Promise.all(
    files.map(async (f) => entryOf(dataset, await readRecord(lineageDir, dataset, versionOf(f.slice(0, 64))))),
  );
  return entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.version.localeCompare(b.version));
}

/** Datasets that have at least one lineage record. */
export async function listDatasets(lineageDir: string): Promise<string[]> {
  if (!existsSync(lineageDir)) return [];
  const names = await readdir(lineageDir, { withFileTypes: true });
  return names
    .filter((d) => d.isDirectory() && /^[a-z][a-z0-9_]{0,62}$/.test(d.name))
    .map((d) => d.name)
    .sort();
}

/** Resolves "latest" (undefined) or a prefix to a full version, from the lineage records. */
export async function findVersion(
  lineageDir: string,
  dataset: string,
  wanted: string | undefined,
): Promise<VersionEntry> {
  const entries = await listVersions(lineageDir, dataset);
  if (entries.length === 0) throw noVersions(dataset);
  const version = resolveVersion(
    dataset,
    wanted,
    entries.map((e) => e.version),
  );
  return entries.find((e) => e.version === version)!;
}

/**
 * The error for a dataset without versions. A name that is not defined either is a typo: that throws the usage error
 * listing the datasets. A defined one gets the command that makes its first version.
 */
export function noVersions(dataset: string): LabbookError {
  return new LabbookError(`no versions of ${dataset}`, {
    code: "E_NOT_FOUND",
    details: [`Run "${makerCommand(getDataset(dataset))}" first, or "labbook pull".`],
  });
}

/** How many earlier runs a reproduced version's record keeps in `labbook_reproduced`. */
const EARLIER_RUNS_KEPT = 20;

/**
 * Writes a version's lineage record through a temp file and a rename. An existing record is kept (the first run that
 * produced the bytes describes them), unless `replaceUnlessLatest` is set and that version is not the dataset's
 * latest: a run that reproduces an older version's bytes makes it the latest again. Returns whether it wrote.
 */
export async function writeRecord(
  lineageDir: string,
  dataset: string,
  record: LineageRecord,
  options: { replaceUnlessLatest?: boolean } = {},
): Promise<boolean> {
  const version = record.outputs[0]!.facets.version.datasetVersion;
  const file = recordPath(lineageDir, dataset, version);
  if (existsSync(file)) {
    if (!options.replaceUnlessLatest) return false;
    const [latest] = await listVersions(lineageDir, dataset);
    if (latest?.version === version) return false;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, file);
  return true;
}
