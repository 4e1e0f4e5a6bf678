import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { getDataset, makerCommand } from "../datasets/index.ts";
import { isLabbookError, LabbookError } from "../errors.ts";
import { assertDatasetName, hexOf, resolveVersion, versionOf } from "./version.ts";
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
    throw unreadableRecord(dataset, path.basename(file), (e as Error).message);
  }
}

function unreadableRecord(dataset: string, file: string, why: string): LabbookError {
  return new LabbookError(`unreadable lineage record ${dataset}/${file} in the lineage directory: ${why}`, {
    code: "E_INTEGRITY",
    details: [
      `Restore the committed record with "git checkout -- lineage/${dataset}/${file}", or delete it and run`,
      '"labbook pull" when LABBOOK_REMOTE holds it. "labbook verify" lists every record it cannot read.',
    ],
  });
}

/** A lineage record that could not be read or is not shaped like one. */
export interface UnreadableRecord {
  dataset: string;
  version: string;
  file: string;
  error: LabbookError;
}

/**
 * All versions of a dataset, newest first. An unreadable record throws E_INTEGRITY, unless `unreadable` is given:
 * then it is handed there and left out, for commands that report on records rather than act on them.
 */
export async function listVersions(
  lineageDir: string,
  dataset: string,
  options: { unreadable?: (record: UnreadableRecord) => void } = {},
): Promise<VersionEntry[]> {
  assertDatasetName(dataset);
  const dir = path.join(lineageDir, dataset);
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => /^[0-9a-f]{64}\.json$/.test(f));
  const entries = await Promise.all(
    files.map(async (f) => {
      const version = versionOf(f.slice(0, 64));
      try {
        return await readEntry(lineageDir, dataset, version);
      } catch (e) {
        if (!options.unreadable || !isLabbookError(e, "E_INTEGRITY")) throw e;
        options.unreadable({ dataset, version, file: path.join(dir, f), error: e });
        return undefined;
      }
    }),
  );
  return entries
    .filter((e) => e !== undefined)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.version.localeCompare(b.version));
}

/** One version's entry, from a record that must parse and describe that version (E_INTEGRITY otherwise). */
async function readEntry(lineageDir: string, dataset: string, version: string): Promise<VersionEntry> {
  const record = await readRecord(lineageDir, dataset, version);
  try {
    const entry = entryOf(dataset, record);
    if (typeof entry.createdAt !== "string") throw new Error("it has no eventTime");
    if (entry.version !== version) throw new Error(`it describes ${entry.version}`);
    return entry;
  } catch (e) {
    throw unreadableRecord(dataset, `${hexOf(version)}.json`, `not a labbook lineage record (${(e as Error).message})`);
  }
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
 * latest: a run that reproduces an older version's bytes makes it the latest again. Its record then describes the new
 * run, and lists the runs it replaces (newest first) in the `labbook_reproduced` run facet, so none is lost.
 * Returns what it did.
 */
export async function writeRecord(
  lineageDir: string,
  dataset: string,
  record: LineageRecord,
  options: { replaceUnlessLatest?: boolean } = {},
): Promise<"written" | "replaced" | "kept"> {
  const version = record.outputs[0]!.facets.version.datasetVersion;
  const file = recordPath(lineageDir, dataset, version);
  let outcome: "written" | "replaced" = "written";
  if (existsSync(file)) {
    if (!options.replaceUnlessLatest) return "kept";
    const [latest] = await listVersions(lineageDir, dataset);
    if (latest?.version === version) return "kept";
    const replaced = await readRecord(lineageDir, dataset, version);
    record = {
      ...record,
      run: {
        ...record.run,
        facets: {
          ...record.run.facets,
          labbook_reproduced: customFacet("labbook_reproduced", {
            earlier: [earlierRun(replaced), ...earlierRunsOf(replaced)].slice(0, EARLIER_RUNS_KEPT),
          }),
        },
      },
    };
    outcome = "replaced";
  }
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, file);
  return outcome;
}

/** One run in `labbook_reproduced`: enough to tell when and how the bytes were made before. */
export interface EarlierRun {
  runId: string;
  eventTime: string;
  job: string;
  parameters: Record<string, unknown>;
  commit: string | null;
}

function earlierRun(record: LineageRecord): EarlierRun {
  const git = record.run.facets.labbook_git as { commit?: string | null } | undefined;
  return {
    runId: record.run.runId,
    eventTime: record.eventTime,
    job: record.job.name,
    parameters:
      (record.run.facets.labbook_parameters as { parameters?: Record<string, unknown> } | undefined)?.parameters ?? {},
    commit: git?.commit ?? null,
  };
}

/** The runs a record says it replaced, newest first. */
export function earlierRunsOf(record: LineageRecord): EarlierRun[] {
  return (record.run.facets.labbook_reproduced as { earlier?: EarlierRun[] } | undefined)?.earlier ?? [];
}
