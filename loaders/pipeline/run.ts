import type { Config } from "../config.ts";
import { datasets as registry } from "../datasets/index.ts";
import type { DatasetDef } from "../datasets/define.ts";
import { LabbookError } from "../errors.ts";
import { partitionsSummary } from "../ingest/partitions.ts";
import { listVersions } from "../lineage/catalog.ts";
import { facet, NAMESPACE } from "../lineage/facets.ts";
import { readGitInfo, type GitInfo } from "../lineage/git.ts";
import { buildRecord } from "../lineage/record.ts";
import { silentLogger, type Logger } from "../log.ts";
import { isLocal, readableFiles } from "../store/files.ts";
import { shortVersion } from "../lineage/version.ts";
import { buildDag, selectStages } from "./dag.ts";
import { definitionHash, stageFingerprint } from "./fingerprint.ts";
import { publishStage } from "./publish.ts";
import { recentPlan } from "./recent.ts";
import { executeStage, type StageInput } from "./stage.ts";
import { describeReason, lastRun, staleReasons, type StageFacet, type StaleReason } from "./state.ts";

export type RunMode = "all" | "recent";

export interface RunOptions {
  /** The definitions to build the DAG from; the registry by default (tests pass modified ones). */
  defs?: readonly DatasetDef[];
  /** Derived datasets to bring up to date, with what they read; all of them when empty. */
  targets?: readonly string[];
  /** Run the selected stages even when up to date (their stale inputs run only if stale). */
  force?: boolean;
  /** Decide and report, but run nothing. */
  dryRun?: boolean;
  /**
   * "recent" recomputes the last `days` days of day-partitioned stages and merges them with the previous version,
   * when that gives the bytes of a full recompute; otherwise, and for other stages, it runs in full with a note.
   */
  mode?: RunMode;
  days?: number;
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
  git?: GitInfo;
}

export type StageStatus = "up-to-date" | "ran" | "would-run" | "pending" | "failed" | "skipped";

export interface StageResult {
  dataset: string;
  status: StageStatus;
  reasons: StaleReason[];
  /** The same reasons, as sentences. */
  why: string[];
  /** Input dataset → the version read (or that would be read). */
  inputs: Record<string, string>;
  /** The stage's current version after the run (unchanged when up to date). */
  version?: string;
  previousVersion?: string;
  /** Whether the run made a version this dataset never had (false: it reproduced one). */
  newVersion?: boolean;
  rowCount?: number;
  mode?: RunMode;
  cutoff?: string;
  note?: string;
  summary?: Record<string, number>;
  /** For a partitioned stage that ran: how many partitions it wrote and how many it reused. */
  partitions?: { written: number; reused: number };
  error?: { message: string; details: string[] };
}

export interface RunResult {
  stages: StageResult[];
  /** Stages that ran (or would run, in a dry run). */
  ran: string[];
  failed: string[];
}

/**
 * Brings derived datasets up to date, in dependency order. A stage runs when its fingerprint (definition + exact
 * input versions) differs from the one in its newest version's lineage record. It reads input versions from the
 * store, never the live database. A failing stage stops its dependents; independent stages still run, and earlier
 * outputs stay as they were.
 */
export async function runPipeline(config: Config, options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const dag = buildDag(options.defs ?? registry);
  const stages = selectStages(dag, options.targets ?? []);
  const targets = new Set(options.targets?.length ? options.targets : stages.map((s) => s.name));
  const results = new Map<string, StageResult>();
  let git = options.git;

  for (const def of stages) {
    options.signal?.throwIfAborted();
    const result = await planStage(config, def, results, options.force === true && targets.has(def.name));
    results.set(def.name, result);
    if (result.status !== "would-run" || options.dryRun) continue;
    try {
      git ??= await readGitInfo(config.root);
      Object.assign(result, await runStage(config, def, result, { ...options, log, clock, git }));
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const e = error instanceof LabbookError ? error : undefined;
      result.status = "failed";
      result.error = { message: (error as Error).message, details: e?.details ?? [] };
      log.warn(`${def.name}: ${result.error.message}`);
    }
  }
  const list = [...results.values()];
  return {
    stages: list,
    ran: list.filter((r) => r.status === "ran" || (options.dryRun && r.status === "would-run")).map((r) => r.dataset),
    failed: list.filter((r) => r.status === "failed").map((r) => r.dataset),
  };
}

/** Decides whether a stage must run, from its inputs' current versions and its last run. */
async function planStage(
  config: Config,
  def: DatasetDef,
  earlier: Map<string, StageResult>,
  force: boolean,
): Promise<StageResult> {
  const inputs: Record<string, string> = {};
  const pending: StaleReason[] = [];
  for (const input of def.derive!.inputs) {
    const upstream = earlier.get(input);
    if (upstream && (upstream.status === "failed" || upstream.status === "skipped")) {
      return stageResult(def.name, "skipped", [{ kind: "upstream-failed", input }], inputs);
    }
    if (upstream && (upstream.status === "would-run" || upstream.status === "pending")) {
      pending.push({ kind: "upstream-stale", input });
      if (upstream.version) inputs[input] = upstream.version;
      continue;
    }
    const version = upstream?.version ?? (await listVersions(config.lineageDir, input))[0]?.version;
    if (!version) {
      const r = stageResult(def.name, "failed", [], inputs);
      r.error = {
        message: `input ${input} has no versions`,
        details: [`Run "labbook ingest ${input}" first (or "labbook pull").`],
      };
      return r;
    }
    inputs[input] = version;
  }
  const last = await lastRun(config.lineageDir, def.name);
  const definition = definitionHash(def);
  let reasons: StaleReason[] = force ? [{ kind: "forced" }] : staleReasons(last, definition, inputs);
  // An input that is about to change only matters when nothing else already makes the stage run.
  reasons = reasons.filter((r) => r.kind !== "input-changed" || !isPending(r, pending));
  if (reasons.length === 0) reasons = pending;
  if (reasons.length === 0 && last && !(await isLocal(config.dataDir, last.version))) {
    reasons.push({ kind: "output-missing", version: last.version });
  }
  const definite = reasons.some((r) => r.kind !== "upstream-stale");
  const result = stageResult(
    def.name,
    reasons.length === 0 ? "up-to-date" : definite ? "would-run" : "pending",
    reasons,
    inputs,
  );
  result.version = last?.version;
  result.previousVersion = last?.version;
  result.rowCount = last?.rowCount;
  return result;
}

const isPending = (r: StaleReason & { kind: "input-changed" }, pending: StaleReason[]) =>
  pending.some((p) => p.kind === "upstream-stale" && p.input === r.input);

function stageResult(dataset: string, status: StageStatus, reasons: StaleReason[], inputs: Record<string, string>) {
  return { dataset, status, reasons, why: reasons.map(describeReason), inputs } satisfies StageResult as StageResult;
}

/** Runs one stale stage and publishes its version with a lineage record naming the exact input versions. */
async function runStage(
  config: Config,
  def: DatasetDef,
  planned: StageResult,
  options: RunOptions & { log: Logger; clock: () => number; git: GitInfo },
): Promise<Partial<StageResult>> {
  const startedAt = options.clock();
  const inputs: Record<string, StageInput> = {};
  for (const [name, version] of Object.entries(planned.inputs)) {
    const files = await readableFiles(config.dataDir, version, name);
    if (!files) {
      throw new LabbookError(`input ${name}@${shortVersion(version)} is not in the local store`, {
        code: "E_NOT_FOUND",
        details: ['Run "labbook pull" with LABBOOK_REMOTE set, or ingest it again.'],
      });
    }
    inputs[name] = { version, files };
  }
  const last = await lastRun(config.lineageDir, def.name);
  const definition = definitionHash(def);
  // A partitioned stage merges on every run but a forced one, which recomputes every day.
  const forced = planned.reasons.some((r) => r.kind === "forced");
  const plan =
    options.mode === "recent"
      ? await recentPlan(config, def, last, definition, planned.inputs, options.days ?? 1)
      : def.partitioning && !forced
        ? await recentPlan(config, def, last, definition, planned.inputs, undefined)
        : {};
  if (plan.note) options.log.info(`${def.name}: ${plan.note}`);
  options.log.progress(`${def.name}: running`);

  const executed = await executeStage(config, def, inputs, { recent: plan.recent, signal: options.signal, startedAt });
  if (executed.fallback) options.log.info(`${def.name}: ${executed.fallback}`);
  const note = plan.note ?? executed.fallback;
  const mode: RunMode = executed.cutoff ? "recent" : "all";
  const stage: StageFacet = {
    fingerprint: stageFingerprint(definition, planned.inputs),
    definition,
    inputs: planned.inputs,
    mode,
    ...(options.mode === "recent" ? { days: options.days } : {}),
    ...(executed.cutoff ? { cutoff: executed.cutoff.toISOString() } : {}),
    ...(executed.merged ? { mergedWith: plan.recent!.previous.version } : {}),
    ...(note ? { note } : {}),
    ...(executed.summary ? { summary: executed.summary } : {}),
  };
  // The newest record is the stage's "last run": its time must sort after the one it follows.
  const endedAt = Math.max(options.clock(), last ? Date.parse(last.createdAt) + 1 : 0);
  const record = buildRecord({
    job: `run.${def.name}`,
    dataset: def.name,
    version: executed.staged.version,
    rowCount: executed.rowCount,
    size: executed.staged.size,
    fields: executed.fields,
    inputs: Object.entries(planned.inputs).map(([name, version]) => ({
      namespace: NAMESPACE,
      name,
      facets: { version: facet("version", { datasetVersion: version }) },
    })),
    dataSource: { name: "labbook pipeline", uri: `labbook:run/${def.name}` },
    sql: executed.sql,
    parameters: {
      dataset: def.name,
      mode,
      ...(options.mode === "recent" ? { days: options.days } : {}),
      force: options.force === true,
    },
    git: options.git,
    sourcePath: `loaders/datasets/${def.name.replaceAll("_", "-")}.ts`,
    startedAt,
    endedAt,
    validation: executed.validation,
    runFacets: {
      labbook_stage: stage,
      ...(executed.partitions ? { labbook_partitions: executed.partitions } : {}),
      ...(executed.quality ? { labbook_quality: executed.quality } : {}),
    },
  });
  // Once published the staged file has moved into the store; if publishing failed, nothing half-written stays.
  const published = await publishStage(config, def.name, executed.output ?? executed.staged, record).finally(
    executed.staged.discard,
  );
  const summary = executed.summary
    ? ` (${Object.entries(executed.summary)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")})`
    : "";
  const outcome = published.newVersion
    ? "new version"
    : executed.staged.version === last?.version
      ? "output unchanged, version"
      : "reproduced earlier version";
  options.log.info(
    `${def.name}: ${outcome} ${shortVersion(executed.staged.version)}, ${executed.rowCount.toLocaleString("en")} rows` +
      `${mode === "recent" ? `, recomputed since ${stage.cutoff}` : ""}` +
      `${executed.partitions ? `, ${partitionsSummary(executed.partitions)}` : ""}${summary}`,
  );
  return {
    status: "ran",
    version: executed.staged.version,
    newVersion: published.newVersion,
    rowCount: executed.rowCount,
    mode,
    cutoff: stage.cutoff,
    note: stage.note,
    summary: executed.summary,
    ...(executed.partitions
      ? { partitions: { written: executed.partitions.written, reused: executed.partitions.reused } }
      : {}),
  };
}
