import type { DuckDBConnection } from "@duckdb/node-api";
import type { DatasetDef } from "../datasets/define.ts";
import { parquet, queryRows, type ParquetFiles } from "../duckdb.ts";
import { isLabbookError, LabbookError } from "../errors.ts";
import type { SchemaField } from "../lineage/record.ts";
import {
  definitionError,
  makeTarget,
  SkipCheck,
  type CheckModule,
  type ResolvedDataset,
  type Unresolved,
} from "./check.ts";
import { checkModules } from "./checks/index.ts";
import {
  checkName,
  severityOf,
  type CheckSpec,
  type CheckType,
  type DriftAgainst,
  type Severity,
} from "../datasets/check-spec.ts";
import { judge, judgement, usesPercent, type Judgement } from "./threshold.ts";

/** `warn` is a failed check of severity warn; `skipped` means an input dataset had no version it could read. */
export type CheckStatus = "pass" | "warn" | "fail" | "skipped";

export interface CheckResult {
  check: string;
  type: CheckType;
  severity: Severity;
  status: CheckStatus;
  /** Failing rows, or what the check counts instead (extra copies, missing days); see loaders/quality/README.md. */
  failing: number;
  /** How many failing are tolerated. */
  allowed: number;
  /** The thresholds the status was judged by (loaders/quality/threshold.ts); null where it cannot be reached. */
  warnIf: string | null;
  errorIf: string | null;
  /** The version a drift check compared with. */
  against?: string;
  detail?: string;
  /** The first failing rows in a stable order, as JSON-safe values. Raw: pseudonymize before publishing. */
  sample: Record<string, unknown>[];
}

export interface QualityReport {
  dataset: string;
  version: string;
  /** fail if an error check failed, else warn if a warn check failed, else pass. */
  status: "pass" | "warn" | "fail";
  results: CheckResult[];
}

/** What checks may read besides the checked file. Effects come in here, so tests pin the clock and the inputs. */
export interface CheckContext {
  /** The checked version. */
  version: string;
  /**
   * Another dataset's version to read (relationships, no_gaps within, freshness reference); undefined if it has none,
   * or why none of its versions can be read.
   */
  resolve(dataset: string): Promise<ResolvedDataset | Unresolved | undefined>;
  /** The previous version's schema (schema_unchanged); undefined for a first version. */
  previous?: { version: string; fields: SchemaField[] };
  /**
   * The version a drift check compares with, given the check's `against`; undefined when there is none (a first
   * version), or why it cannot be read. Without it, drift checks pass as on a first version.
   */
  baseline?(against: DriftAgainst): Promise<ResolvedDataset | Unresolved | undefined>;
  /** Epoch ms at which the checked version was made (freshness "ingest"). */
  createdAt: number;
  /** The clock for freshness "now"; Date.now by default. */
  clock?: () => number;
  /** Failing rows kept per check; 5 by default. */
  sampleSize?: number;
}

export const overallStatus = (results: Pick<CheckResult, "status">[]): QualityReport["status"] =>
  results.some((r) => r.status === "fail") ? "fail" : results.some((r) => r.status === "warn") ? "warn" : "pass";

/**
 * Runs a dataset's declared checks on one Parquet file (a staged version before commit, or a stored one) and
 * returns every check's outcome. A failing check is a result, never an exception; a bad definition throws E_CONFIG.
 */
export async function runChecksOnFile(
  con: DuckDBConnection,
  def: DatasetDef,
  file: ParquetFiles,
  context: CheckContext,
): Promise<QualityReport> {
  const now = (context.clock ?? Date.now)();
  const seen = new Set<string>();
  const results: CheckResult[] = [];
  for (const spec of def.checks ?? []) {
    const name = checkName(spec);
    if (seen.has(name)) throw definitionError(def.name, name, "two checks have this name; give one a `name`");
    seen.add(name);
    results.push(await runCheck(con, def, file, spec, name, context, now));
  }
  return { dataset: def.name, version: context.version, status: overallStatus(results), results };
}

async function runCheck(
  con: DuckDBConnection,
  def: DatasetDef,
  file: ParquetFiles,
  spec: CheckSpec,
  name: string,
  context: CheckContext,
  now: number,
): Promise<CheckResult> {
  // The map pairs each type with its module; a spec of that type is what the module takes.
  const module = checkModules[spec.type] as unknown as CheckModule<CheckSpec> | undefined;
  if (!module) throw definitionError(def.name, name, `unknown check type "${String(spec.type)}"`);
  const severity = severityOf(spec);
  if (severity !== "error" && severity !== "warn")
    throw definitionError(def.name, name, `severity must be "error" or "warn"`);
  const fail = (message: string): never => {
    throw definitionError(def.name, name, message);
  };
  const thresholds = (j: Judgement) => ({ warnIf: j.warnIf?.text ?? null, errorIf: j.errorIf?.text ?? null });
  const base = { check: name, type: spec.type, severity, allowed: 0, ...thresholds(judgement(spec, 0, fail)) };
  const passed = (detail: string): CheckResult => ({ ...base, status: "pass", failing: 0, detail, sample: [] });
  const skipped = (detail: string): CheckResult => ({ ...base, status: "skipped", failing: 0, detail, sample: [] });

  const inputs = new Map<string, ResolvedDataset>();
  for (const dataset of module.inputs?.(spec) ?? []) {
    // A dataset may reference itself; it then reads the checked file.
    const found =
      dataset === def.name
        ? { def, version: context.version, files: file }
        : await context.resolve(dataset).catch((e: unknown) => {
            // An unknown dataset name is a mistake in the definition, not in the data.
            throw isLabbookError(e, "E_USAGE") ? definitionError(def.name, name, e.message) : e;
          });
    if (!found || "skipped" in found)
      return skipped(found?.skipped ?? `no version of ${dataset} to check against in the local store`);
    inputs.set(dataset, found);
  }
  let baseline: ResolvedDataset | undefined;
  if (module.drift) {
    const against = (spec as { against?: DriftAgainst }).against ?? "previous";
    if (against !== "previous" && !(typeof against === "object" && typeof against?.pins === "string"))
      fail(`"against" must be "previous" or {pins: "<set>"}`);
    const found = await context.baseline?.(against);
    if (!found) return passed("first version: nothing to compare");
    if ("skipped" in found) return skipped(found.skipped);
    // Its columns from its own footer: a drift check on a column it lacks is skipped, not broken.
    const fields = await queryRows<{ name: string; type: string }>(
      con,
      `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM ${parquet(found.files)})`,
    );
    baseline = { ...found, fields };
  }
  const target = makeTarget({
    def,
    file,
    checkName: name,
    inputs,
    previous: context.previous,
    baseline,
    createdAt: context.createdAt,
    now,
  });
  let compiled;
  try {
    compiled = module.compile(spec, target);
  } catch (e) {
    if (e instanceof SkipCheck) return { ...skipped(e.message), ...(baseline ? { against: baseline.version } : {}) };
    throw e;
  }
  const allowed = compiled.allowed ?? 0;
  const judged = judgement(spec, allowed, fail);
  if (usesPercent(judged) && !module.countsRows)
    fail(`"warnIf"/"errorIf" as a percentage of rows: ${spec.type} does not count rows; give a count`);
  try {
    const [row] = await queryRows<{ n: number | bigint }>(
      con,
      `SELECT CAST(${compiled.count ?? "count(*)"} AS BIGINT) AS n FROM (${compiled.sql}) AS failing`,
    );
    const failing = Number(row!.n);
    const rows = usesPercent(judged)
      ? Number((await queryRows<{ n: bigint }>(con, `SELECT count(*) AS n FROM ${target.rows}`))[0]!.n)
      : 0;
    const sample =
      failing > 0
        ? (
            await queryRows(
              con,
              `SELECT * FROM (${compiled.sql}) AS failing ORDER BY ALL LIMIT ${context.sampleSize ?? 5}`,
            )
          ).map(jsonSafe)
        : [];
    return {
      ...base,
      ...thresholds(judged),
      status: judge(judged, failing, rows),
      failing,
      allowed,
      ...(baseline ? { against: baseline.version } : {}),
      ...(compiled.detail ? { detail: compiled.detail } : {}),
      sample,
    };
  } catch (error) {
    if (isLabbookError(error)) throw error;
    throw new LabbookError(`check ${name} on ${def.name} could not run: ${(error as Error).message}`, {
      code: "E_QUALITY",
      cause: error,
    });
  }
}

/** Dates as ISO text, big integers as numbers when safe: values that survive JSON unchanged. */
function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  const convert = (v: unknown): unknown => {
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(convert);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    return v;
  };
  return convert(row) as Record<string, unknown>;
}
