import type { Config } from "../config.ts";
import { datasets, getDataset } from "../datasets/index.ts";
import type { DatasetDef } from "../datasets/define.ts";
import { openDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { findVersion, listVersions, type VersionEntry } from "../lineage/catalog.ts";
import { pinSet, readPins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { requireFiles } from "../store/files.ts";
import { spillDir } from "../store/objects.ts";
import { parseRef, shortVersion } from "../store/version.ts";
import { createdAtOf, storeContext } from "./context.ts";
import { storeResults, type StoredResults } from "./results.ts";
import { runChecksOnFile, type QualityReport } from "./run.ts";

export interface CheckVersionsOptions {
  /** "dataset" or "dataset@version"; none means every dataset with checks (latest, or pinned with `pins`). */
  refs?: string[];
  /** A pin set: check its pinned versions, and read other datasets at their pinned versions. */
  pins?: string;
  clock?: () => number;
  log?: Logger;
  signal?: AbortSignal;
}

export interface CheckVersionsResult {
  reports: QualityReport[];
  /** The quality_results version that holds the reports. */
  results: StoredResults;
}

interface Chosen {
  def: DatasetDef;
  entry: VersionEntry;
}

const checked = (def: DatasetDef) => !def.produced && (def.checks?.length ?? 0) > 0;

/** Which versions to check: named ones, every pinned one, or the latest of every dataset with checks. */
async function choose(config: Config, refs: string[], pins: Record<string, string> | undefined): Promise<Chosen[]> {
  if (refs.length) {
    return Promise.all(
      refs.map(async (ref) => {
        const { dataset, version } = parseRef(ref);
        const def = getDataset(dataset);
        const wanted = version ?? pins?.[dataset];
        return { def, entry: await findVersion(config.lineageDir, dataset, wanted) };
      }),
    );
  }
  const out: Chosen[] = [];
  for (const def of datasets.filter(checked)) {
    if (pins && !pins[def.name]) continue;
    const entries = await listVersions(config.lineageDir, def.name);
    if (entries.length === 0) continue;
    out.push({ def, entry: pins ? await findVersion(config.lineageDir, def.name, pins[def.name]) : entries[0]! });
  }
  if (out.length === 0) {
    throw new LabbookError(
      pins
        ? "nothing to check: the pin set pins no dataset with checks"
        : "nothing to check: no dataset with checks has a version yet",
      {
        code: "E_NOT_FOUND",
        details: ['Run "labbook ingest --all" first.'],
      },
    );
  }
  return out;
}

/**
 * Runs the declared checks on stored versions and stores the outcome as a version of quality_results. Failing
 * checks are results, not errors: the caller decides the exit code from the reports.
 */
export async function checkVersions(config: Config, options: CheckVersionsOptions = {}): Promise<CheckVersionsResult> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const pins = options.pins ? pinSet(await readPins(config.lineageDir), options.pins) : undefined;
  const chosen = await choose(config, options.refs ?? [], pins);
  const files = new Map<string, string[]>();
  for (const { def, entry } of chosen)
    files.set(entry.version, await requireFiles(config.dataDir, entry.version, def.name));
  const { instance, con } = await openDuckDB({ tempDir: spillDir(config.dataDir) });
  const onAbort = () => con.interrupt();
  options.signal?.addEventListener("abort", onAbort);
  try {
    const reports: QualityReport[] = [];
    for (const { def, entry } of chosen) {
      options.signal?.throwIfAborted();
      log.progress(`checking ${def.name}@${shortVersion(entry.version)}`);
      const context = await storeContext(config, def, {
        version: entry.version,
        createdAt: createdAtOf(entry),
        pins,
        clock,
      });
      reports.push(await runChecksOnFile(con, def, files.get(entry.version)!, context));
    }
    options.signal?.throwIfAborted();
    const results = await storeResults(con, config, reports, {
      parameters: { refs: options.refs ?? [], pins: options.pins ?? null },
      startedAt,
      clock,
    });
    return { reports, results };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    con.closeSync();
    instance.closeSync();
  }
}
