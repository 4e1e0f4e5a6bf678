import { existsSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import { parquet, withDuckDB } from "../duckdb.ts";
import { entryOf, listVersions, readRecord, recordPath } from "../lineage/catalog.ts";
import { readGitInfo } from "../lineage/git.ts";
import { silentLogger, type Logger } from "../log.ts";
import { LabbookError } from "../errors.ts";
import { requireFiles, versionStoreFiles, type VersionPart } from "../store/files.ts";
import { manifestPath } from "../store/manifest.ts";
import { openPinned } from "../store/pinned.ts";
import { objectPath } from "../store/objects.ts";
import { labbookVersion } from "../version.ts";
import { qualityResults } from "../datasets/quality-results.ts";
import { archiveReadme, type ReadmeInput } from "./archive-readme.ts";
import { siteFilesFor } from "./archive-site.ts";
import { writeZip, type ZipSource } from "./zip-write.ts";

export interface ArchiveRequest {
  set: string;
  /** Include the built site (dist/), which must have been built from this pin set. */
  withSite?: boolean;
  /** The zip to write; default exports/archives/<set>-<UTC time>.zip. */
  out?: string;
}

export interface ArchiveOptions {
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
}

export interface ArchiveResult {
  path: string;
  size: number;
  files: number;
  pinSet: string;
  datasets: ReadmeInput["datasets"];
  quality: ReadmeInput["quality"];
  site: boolean;
}

/** The path of a store file inside a zip: the same layout as the project, so unpacking gives a store. */
export const zipObject = (version: string) => `data/${objectPath("", version).split(path.sep).join("/")}`;
/** A partitioned version's manifest inside a zip, beside the objects as in the store. */
export const zipManifest = (version: string) => `data/${manifestPath("", version).split(path.sep).join("/")}`;
/** The zip entry of one store file of a version (see versionStoreFiles). */
export const zipEntryOf = (dataDir: string, f: VersionPart) =>
  `data/${path.relative(dataDir, f.file).split(path.sep).join("/")}`;
export const zipRecord = (dataset: string, version: string) =>
  `lineage/${recordPath("", dataset, version).split(path.sep).join("/")}`;

/**
 * Writes one zip for an experiment: the pinned objects, their lineage records, the pin set, quality results when
 * there are any for these versions, the built site on request, a README and a manifest of sha256 hashes.
 */
export async function createArchive(
  config: Config,
  request: ArchiveRequest,
  options: ArchiveOptions = {},
): Promise<ArchiveResult> {
  const log = options.log ?? silentLogger;
  const createdAt = new Date((options.clock ?? Date.now)());
  const { pins: chosen, objects } = await openPinned(config, { set: request.set });
  const datasets: ReadmeInput["datasets"] = [];
  for (const o of objects) {
    const e = entryOf(o.dataset, await readRecord(config.lineageDir, o.dataset, o.version));
    datasets.push({
      dataset: o.dataset,
      version: o.version,
      rowCount: e.rowCount,
      size: e.size,
      job: e.job,
      // A version made of partitions is its manifest, which names the partition objects beside it.
      object: o.files[0] === objectPath(config.dataDir, o.version) ? zipObject(o.version) : zipManifest(o.version),
    });
  }
  const quality = await qualityFor(config, chosen);
  const siteDir = path.join(config.root, "dist");
  const siteFiles = request.withSite ? await siteFilesFor(siteDir, request.set, chosen) : [];
  const git = await readGitInfo(config.root);

  const stored = [...objects.map((o) => ({ dataset: o.dataset, version: o.version }))];
  for (const q of quality?.versions.filter((v) => !v.pinned) ?? [])
    stored.push({ dataset: qualityResults.name, version: q.version });
  const readme: ReadmeInput = {
    pinSet: request.set,
    createdAt: createdAt.toISOString(),
    labbookVersion,
    git,
    datasets,
    quality,
    site: request.withSite === true,
  };
  // Each store file once: versions that share a partition's object share its entry. openPinned checked them.
  const storeFiles = new Map<string, ZipSource>();
  for (const s of stored) {
    const files = await versionStoreFiles(config.dataDir, s.version, s.dataset);
    if (!files)
      throw new LabbookError(`${s.dataset}@${s.version.slice(7, 19)} is not in the local store`, {
        code: "E_NOT_FOUND",
        details: ["Run `labbook pull` with LABBOOK_REMOTE set to fetch it."],
      });
    for (const f of files) {
      const name = zipEntryOf(config.dataDir, f);
      // Parquet objects are compressed already: stored as they are, and checked against their name on the way in.
      storeFiles.set(name, { name, file: f.file, compress: f.manifest === true, expect: f.object });
    }
  }
  const sources: ZipSource[] = [
    { name: "README.md", data: archiveReadme(readme) },
    { name: "lineage/pins.json", data: `${JSON.stringify({ [request.set]: chosen }, null, 2)}\n` },
    ...stored.map((s) => ({
      name: zipRecord(s.dataset, s.version),
      file: recordPath(config.lineageDir, s.dataset, s.version),
    })),
    ...storeFiles.values(),
    ...siteFiles.map((rel) => ({ name: `site/${rel}`, file: path.join(siteDir, ...rel.split("/")) })),
  ];
  const target = path.resolve(
    request.out ?? path.join(config.root, "exports", "archives", `${request.set}-${stamp(createdAt)}.zip`),
  );
  log.progress(`archive ${request.set}: writing ${sources.length} files`);
  const { files, size } = await writeZip(target, sources, {
    mtime: createdAt,
    signal: options.signal,
    manifest: (hashed) => ({
      kind: "labbook-archive",
      manifestVersion: 1,
      pinSet: request.set,
      createdAt: readme.createdAt,
      labbookVersion,
      git,
      datasets,
      quality,
      site: readme.site,
      files: hashed,
    }),
  });
  log.info(`archive ${request.set}: ${files.length + 1} files, ${size} bytes in ${target}`);
  return { path: target, size, files: files.length + 1, pinSet: request.set, datasets, quality, site: readme.site };
}

/** 2025-10-01T12:00:00Z → 20251001T120000Z */
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

/**
 * The quality results for these versions: the pinned quality_results version, else, for each pinned dataset, the
 * newest stored quality_results version that checked its pinned version. Runs of `labbook check` often cover some
 * datasets only, so one archive may hold several; a pinned dataset no run checked is listed as unchecked.
 */
async function qualityFor(config: Config, chosen: Record<string, string>): Promise<ReadmeInput["quality"]> {
  const name = qualityResults.name;
  const wanted = Object.entries(chosen).filter(([d]) => d !== name);
  const from = new Map<string, [string, string][]>();
  const pinnedResults = chosen[name];
  if (pinnedResults) from.set(pinnedResults, wanted);
  else {
    const candidates = (await listVersions(config.lineageDir, name).catch(() => [])).filter((c) =>
      existsSync(objectPath(config.dataDir, c.version)),
    );
    for (const pair of wanted) {
      const found = candidates.find((c) =>
        c.record.inputs.some(
          (i) => (i.facets as { version?: { datasetVersion?: string } })?.version?.datasetVersion === pair[1],
        ),
      );
      if (found) from.set(found.version, [...(from.get(found.version) ?? []), pair]);
    }
  }
  if (from.size === 0) return null;
  const summary: NonNullable<ReadmeInput["quality"]>["summary"] = [];
  await withDuckDB(async (con) => {
    for (const [version, pairs] of from) {
      const file = await requireFiles(config.dataDir, version, name);
      if (!pairs.length) continue;
      const keys = pairs.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`);
      const reader = await con.runAndReadAll(
        `SELECT dataset, count(*) FILTER (WHERE status = 'pass')::INTEGER AS pass,
           count(*) FILTER (WHERE status = 'warn')::INTEGER AS warn, count(*) FILTER (WHERE status = 'fail')::INTEGER AS fail
         FROM ${parquet(file)} WHERE (dataset, version) IN (${keys.join(", ")}) GROUP BY dataset`,
        pairs.flat(),
      );
      for (const row of reader.getRowObjectsJS() as { dataset: string; pass: number; warn: number; fail: number }[])
        summary.push({ ...row, results: version });
    }
  });
  summary.sort((a, b) => a.dataset.localeCompare(b.dataset));
  const covered = new Set(summary.map((q) => q.dataset));
  return {
    versions: [...from.keys()].map((version) => ({ version, pinned: version === pinnedResults })),
    summary,
    unchecked: wanted.map(([d]) => d).filter((d) => !covered.has(d)),
  };
}
