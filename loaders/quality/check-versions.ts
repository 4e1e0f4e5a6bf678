import type { Config } from "../config.ts";
import { datasets, getDataset } from "../datasets/index.ts";
import type { DatasetDef } from "../datasets/define.ts";
import type { Unresolved } from "./check.ts";
import { openDuckDB } from "../duckdb.ts";
import { isLabbookError, LabbookError } from "../errors.ts";
import { findVersion, listVersions, type VersionEntry } from "../lineage/catalog.ts";
import { PIN_SET, pinSet, readPins, type Pins } from "../lineage/pins.ts";
import { silentLogger, type Logger } from "../log.ts";
import { requireFiles } from "../store/files.ts";
import { openPinned } from "../store/pinned.ts";
import { spillDir } from "../store/objects.ts";
import { parseRef, shortVersion } from "../lineage/version.ts";
import { createdAtOf, storeContext } from "./context.ts";
import { storeResults, type StoredResults } from "./results.ts";
import { runChecksOnFile, type QualityReport } from "./run.ts";

export interface CheckVersionsOptions {
  /** "dataset" or "dataset@version"; none means every dataset with checks (latest, or pinned with `pins`). */
  refs?: string[];
  /** A pin set: check its pinned versions, and read other datasets at their pinned versions. */
  pins?: string;
  /**
   * What drift checks compare with, instead of each check's own `against`: a pin set (each dataset's version pinned
   * there), "previous", or a version (prefix) of the checked dataset.
   */
  against?: string;
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
 * Resolves `--against` for each checked dataset: a pin set names each dataset's pinned version, a version (prefix) is
 * looked up among each dataset's versions. It must name something for at least one of them.
 */
async function resolveAgainst(
  config: Config,
  against: string | undefined,
  allPins: Pins,
  chosen: Chosen[],
): Promise<Map<string, { version: string } | Unresolved> | undefined> {
  if (against === undefined || against === "previous") return undefined;
  const out = new Map<string, { version: string } | Unresolved>();
  const set = PIN_SET.test(against) ? allPins[against] : undefined;
  for (const { def } of chosen) {
    if (set) {
      const version = set[def.name];
      out.set(def.name, version ? { version } : { skipped: `pin set "${against}" does not pin ${def.name}` });
      continue;
    }
    try {
      out.set(def.name, { version: (await findVersion(config.lineageDir, def.name, against)).version });
    } catch (e) {
      if (!isLabbookError(e) || e.code === "E_INTERRUPTED") throw e;
      out.set(def.name, { skipped: `${against} is not a version of ${def.name}` });
    }
  }
  if ([...out.values()].every((v) => "skipped" in v))
    throw new LabbookError(
      `--against ${against}: neither a pin set nor a version of ${chosen.map((c) => c.def.name).join(", ")}`,
      {
        code: "E_NOT_FOUND",
        details: [
          `Pin sets: ${Object.keys(allPins).join(", ") || "none"}. A version is a unique prefix of at least 8 hex digits.`,
        ],
      },
    );
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
  const allPins = await readPins(config.lineageDir);
  const pins = options.pins ? pinSet(allPins, options.pins) : undefined;
  const chosen = await choose(config, options.refs ?? [], pins);
  const against = await resolveAgainst(config, options.against, allPins, chosen);
  const files = new Map<string, string[]>();
  // The versions taken from the pin set are opened as every reader of pinned data opens them; others by version.
  const pinned = [...new Set(chosen.filter((c) => pins?.[c.def.name] === c.entry.version).map((c) => c.def.name))];
  if (pinned.length)
    for (const o of (await openPinned(config, { set: options.pins, pins: allPins, reads: pinned })).objects)
      files.set(o.version, o.files);
  for (const { def, entry } of chosen)
    if (!files.has(entry.version))
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
        against: against?.get(def.name),
      });
      reports.push(await runChecksOnFile(con, def, files.get(entry.version)!, context));
    }
    options.signal?.throwIfAborted();
    const results = await storeResults(con, config, reports, {
      parameters: { refs: options.refs ?? [], pins: options.pins ?? null, against: options.against ?? null },
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
