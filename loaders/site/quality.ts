import { datasets } from "../datasets/index.ts";
import { listVersions } from "../lineage/catalog.ts";
import { createdAtOf, storeContext } from "../quality/context.ts";
import { driftPanel, type DriftPanel } from "../quality/drift-panel.ts";
import { checkHistory, type CheckHistory } from "../quality/history.ts";
import { qualityOfRecord, type VersionStatus } from "../quality/facet.ts";
import { runChecksOnFile, type CheckResult, type QualityReport } from "../quality/run.ts";
import type { SiteContext } from "./context.ts";
import { personColumns } from "../datasets/rules.ts";

/** One version in a dataset's history: the outcome its ingest or run recorded in its lineage record. */
export interface QualityHistoryEntry {
  version: string;
  created: string;
  rows: number;
  job: string;
  /** "unchecked": made before checks were declared, or by a job that does not run them. */
  status: VersionStatus;
  /** The checks that failed or warned then, with their counts. */
  failing: { check: string; status: string; failing: number }[];
  pinned: boolean;
}

export interface QualityDataset {
  dataset: string;
  description: string;
  /** The pinned version, checked at build time against the other pinned versions. */
  version: string;
  status: QualityReport["status"];
  /** Every check with its outcome; failing rows pseudonymized (user ids replaced by keyed-hash pseudonyms). */
  checks: (CheckResult & { description?: string })[];
  /** The pinned version and the versions before it, newest first (at most `HISTORY`). */
  history: QualityHistoryEntry[];
  /** Each check's status across those versions, as their lineage records hold it. */
  checkHistory: CheckHistory;
  /** The pinned version's drift checks against the previous version, with the distributions they watch. */
  drift: DriftPanel;
}

export interface QualityPageData {
  pinSet: string;
  datasets: QualityDataset[];
}

const HISTORY = 30;

/**
 * The quality page's data: each pinned dataset that declares checks is checked again here, reading only pinned
 * versions, so the page is a function of the pins like every other page. The history comes from the lineage records
 * of the versions up to the pinned one, which never change.
 */
export async function qualityData(ctx: SiteContext): Promise<QualityPageData> {
  const clock = () => ctx.builtAt;
  const pinned = new Map(ctx.objects.map((o) => [o.dataset, o]));
  const defs = datasets.filter((d) => !d.produced && d.checks?.length && pinned.has(d.name));
  // Imported here, as in context.ts: DuckDB's native module loads only when a page needs it.
  const { withDuckDB } = await import("../duckdb.ts");
  const out = await withDuckDB(async (con) => {
    const result: QualityDataset[] = [];
    for (const def of defs) {
      const object = pinned.get(def.name)!;
      const entries = await listVersions(ctx.config.lineageDir, def.name);
      const at = entries.findIndex((e) => e.version === object.version);
      const context = await storeContext(ctx.config, def, {
        version: object.version,
        createdAt: at >= 0 ? createdAtOf(entries[at]!) : clock(),
        pins: ctx.pins,
        onlyPinned: true,
        clock,
      });
      const report = await runChecksOnFile(con, def, object.files, context);
      const history = (at >= 0 ? entries.slice(at, at + HISTORY) : []).map((e): QualityHistoryEntry => {
        const q = qualityOfRecord(e.record);
        return {
          version: e.version,
          created: e.createdAt,
          rows: e.rowCount,
          job: e.job,
          status: q?.status ?? "unchecked",
          failing: (q?.checks ?? [])
            .filter((c) => c.status === "fail" || c.status === "warn")
            .map((c) => ({ check: c.check, status: c.status, failing: c.failing })),
          pinned: e.version === object.version,
        };
      });
      const drift = await driftPanel(con, ctx.config, def, object.version, { pins: ctx.pins, clock });
      const checks = await checkHistory(ctx.config.lineageDir, def.name, { upTo: object.version, limit: HISTORY });
      result.push({
        dataset: def.name,
        description: def.description,
        version: object.version,
        status: report.status,
        checks: report.results.map((r, i) => ({
          ...r,
          sample: pseudonymizeSample(r.sample, def.name, ctx.pseudonym),
          ...(def.checks![i]!.description ? { description: def.checks![i]!.description } : {}),
        })),
        history,
        checkHistory: checks,
        drift: { ...drift, checks: drift.checks.map((r) => ({ ...r, sample: [] })) },
      });
    }
    return result;
  });
  return { pinSet: ctx.pinSet, datasets: out };
}

/**
 * A check's failing rows with each column that identifies a person pseudonymized: the checked dataset's own
 * (`userId`) or another's that a relationship check names (`experiment_protocols.userId`), as their definitions say.
 */
function pseudonymizeSample(
  rows: Record<string, unknown>[],
  dataset: string,
  pseudonym: (id: string) => string,
): Record<string, unknown>[] {
  const person = (key: string) => {
    const dot = key.lastIndexOf(".");
    const [owner, column] = dot > 0 ? [key.slice(0, dot), key.slice(dot + 1)] : [dataset, key];
    const def = datasets.find((d) => d.name === owner);
    return !!def && personColumns(def.schema).includes(column);
  };
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "string" && person(k) ? pseudonym(v) : v])),
  );
}
