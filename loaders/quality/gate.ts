import type { Config } from "../config.ts";
import { datasets } from "../datasets/index.ts";
import { qualityResults } from "../datasets/quality-results.ts";
import { openDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { listVersions } from "../lineage/catalog.ts";
import { pinSet, readPins } from "../lineage/pins.ts";
import { openPinned } from "../store/pinned.ts";
import { spillDir } from "../store/objects.ts";
import { shortVersion } from "../lineage/version.ts";
import { isDriftCheck } from "./checks/index.ts";
import { createdAtOf, storeContext } from "./context.ts";
import type { GateFailure } from "./failing.ts";
import { qualityOfRecord } from "./facet.ts";
import { runChecksOnFile, type CheckResult, type QualityReport } from "./run.ts";

export interface GateVerdict {
  pinSet: string;
  failures: GateFailure[];
  reports: QualityReport[];
}

/** Datasets whose checks gate publishing: defined here, with checks (quality_results itself has none). */
const gated = (name: string) => {
  const def = datasets.find((d) => d.name === name);
  return def !== undefined && !def.produced && (def.checks?.length ?? 0) > 0;
};

/**
 * Runs the checks of every pinned dataset on its pinned version, reading other datasets at their pins, as the quality
 * page does. A drift check whose compared version is not in the local store (a CI build pulls only pinned objects)
 * takes the outcome recorded in the version's lineage record when it was made, which compared the same two versions.
 */
export async function gateVerdict(
  config: Config,
  set: string,
  options: { clock?: () => number; signal?: AbortSignal } = {},
): Promise<GateVerdict> {
  const clock = options.clock ?? Date.now;
  const allPins = await readPins(config.lineageDir);
  const pins = pinSet(allPins, set);
  const defs = datasets.filter((d) => pins[d.name] && gated(d.name));
  const { objects } = await openPinned(config, { set, pins: allPins, reads: defs.map((d) => d.name) });
  const { instance, con } = await openDuckDB({ tempDir: spillDir(config.dataDir) });
  try {
    const reports: QualityReport[] = [];
    for (const [i, def] of defs.entries()) {
      options.signal?.throwIfAborted();
      const version = pins[def.name]!;
      const entry = (await listVersions(config.lineageDir, def.name)).find((e) => e.version === version);
      const context = await storeContext(config, def, {
        version,
        createdAt: entry ? createdAtOf(entry) : clock(),
        pins,
        onlyPinned: true,
        clock,
      });
      const report = await runChecksOnFile(con, def, objects[i]!.files, context);
      const recorded = entry ? qualityOfRecord(entry.record) : undefined;
      const results = report.results.map((r): CheckResult => {
        const drift = isDriftCheck(r.type);
        const then = drift && r.status === "skipped" ? recorded?.checks.find((c) => c.check === r.check) : undefined;
        return then
          ? { ...then, detail: `${then.detail ?? ""} (recorded when the version was made)`.trim(), sample: [] }
          : r;
      });
      reports.push({ ...report, results, status: results.some((r) => r.status === "fail") ? "fail" : report.status });
    }
    return { pinSet: set, failures: failuresOf(reports), reports };
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

const failuresOf = (reports: QualityReport[]): GateFailure[] =>
  reports.flatMap((r) =>
    r.results
      .filter((c) => c.status === "fail")
      .map((c) => ({ dataset: r.dataset, version: r.version, check: c.check, failing: c.failing })),
  );

/** "behavioral_events@3f2a9c1d0b4e in_range(score) (1 failing)" */
export const describeFailure = (f: GateFailure) =>
  `${f.dataset}@${shortVersion(f.version)} ${f.check} (${f.failing} failing)`;

/** The refusal of `labbook build`: names each dataset, version and check. */
export function gateError(verdict: GateVerdict): LabbookError {
  return new LabbookError(
    `pin set "${verdict.pinSet}" pins versions with failing error checks: ${verdict.failures.map(describeFailure).join(", ")}`,
    {
      code: "E_QUALITY",
      details: [
        '"labbook check --pins ' +
          verdict.pinSet +
          '" shows their failing rows. Pin passing versions, or fix the data.',
        "To publish anyway, build with --allow-failing-checks: every page then carries a banner naming these checks.",
      ],
    },
  );
}

/**
 * The failed error checks recorded for versions about to be pinned, without running anything: the newest
 * `labbook check` outcome stored for the version (quality_results' labbook_checked facet), else the outcome its ingest
 * or run recorded in its own lineage record.
 */
export async function recordedFailures(
  config: Config,
  versions: { dataset: string; version: string }[],
): Promise<GateFailure[]> {
  const checkRuns = await listVersions(config.lineageDir, qualityResults.name);
  const out: GateFailure[] = [];
  for (const { dataset, version } of versions) {
    if (!gated(dataset)) continue;
    let checks: { check: string; status: string; failing: number }[] | undefined;
    for (const run of checkRuns) {
      const checked = (run.record.run.facets.labbook_checked as { versions?: unknown } | undefined)?.versions;
      const found = Array.isArray(checked)
        ? (checked as { dataset: string; version: string; checks: typeof checks }[]).find(
            (v) => v.dataset === dataset && v.version === version,
          )
        : undefined;
      if (found) {
        checks = found.checks;
        break;
      }
    }
    if (!checks) {
      const entry = (await listVersions(config.lineageDir, dataset)).find((e) => e.version === version);
      checks = entry ? qualityOfRecord(entry.record)?.checks : undefined;
    }
    for (const c of checks ?? [])
      if (c.status === "fail") out.push({ dataset, version, check: c.check, failing: c.failing });
  }
  return out;
}
