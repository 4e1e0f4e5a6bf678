import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import type { DatasetDef } from "../datasets/define.ts";
import { compileSchema, quoteIdent } from "../datasets/rules.ts";
import { openDuckDB, parquet, queryRows, type ParquetFiles } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { validateStaged, type ValidationOutcome } from "../ingest/validate.ts";
import type { SchemaField } from "../lineage/record.ts";
import { checkStaged } from "../quality/staged.ts";
import type { QualityFacet } from "../quality/facet.ts";
import { spillDir, type StagedFile } from "../store/objects.ts";
import { parquetRowCount, parquetSchema, stageQuery } from "../store/parquet.ts";
import { mergeRecent, recentCutoff, recentInputFilter } from "./incremental.ts";
import type { PartitionsFacet } from "../ingest/partitions.ts";
import { executePartitioned } from "./partitioned.ts";
import type { StagedPartitions } from "./publish.ts";
import { mergeBlocker, type RecentMerge } from "./recent.ts";

export interface StageInput {
  version: string;
  /** The files that hold the version's rows in the local store, checked against its hash. */
  files: string[];
}

export interface ExecuteOptions {
  /**
   * Recompute only the last N days and merge with `previous` (a version of this stage's own dataset), if the rows
   * before the cutoff are unchanged in every changed windowed input; otherwise recompute in full.
   */
  recent?: RecentMerge;
  signal?: AbortSignal;
  /** When the run started, for the checks' freshness. */
  startedAt?: number;
}

export interface Executed {
  /** The version's object; for a partitioned stage, its manifest (discarding it discards every staged partition). */
  staged: StagedFile;
  /** A partitioned stage's output to publish: the partitions written and the manifest. */
  output?: StagedPartitions;
  /** A partitioned stage's `labbook_partitions` facet: which partitions it wrote and which it reused. */
  partitions?: PartitionsFacet;
  /** Whether the run merged with the previous version (a recent run, or a partitioned stage's changed days). */
  merged?: boolean;
  rowCount: number;
  fields: SchemaField[];
  /** The SQL as run, with inputs named by their views (no machine paths). */
  sql: string;
  summary?: Record<string, number>;
  validation: ValidationOutcome["summary"];
  /** Set for a recent run that merged; undefined when everything was recomputed. */
  cutoff?: Date;
  /** Why a requested merge recomputed in full after all, e.g. an input changed before the cutoff. */
  fallback?: string;
  /** The dataset's declared quality checks on the result, if it has any. */
  quality?: QualityFacet;
}

/** Columns in a total order: the sort key, then any primary key column it lacks, so ties cannot reorder bytes. */
export function orderBy(def: DatasetDef): string {
  const keys = [...def.sortKey, ...def.primaryKey.filter((k) => !def.sortKey.includes(k))];
  return keys.map(quoteIdent).join(", ");
}

/** The stage's SQL with every column cast to the schema's type, in the schema's order. */
export function castSelect(def: DatasetDef): string {
  const casts = compileSchema(def.schema).map(
    (c) => `CAST(s.${quoteIdent(c.name)} AS ${c.duckdbType}) AS ${quoteIdent(c.name)}`,
  );
  return `SELECT ${casts.join(", ")}\nFROM (${def.derive!.sql}\n) AS s`;
}

export const stageFailure = (def: DatasetDef, what: string, details: string[] = [], cause?: unknown) =>
  new LabbookError(`stage ${def.name} failed: ${what}`, { code: "E_PIPELINE", details, cause });

/**
 * Runs one stage in a fresh DuckDB: each input version becomes a view named after its dataset, the stage's SQL runs
 * over them, and the result is written, sorted, to a staged Parquet file that is hashed as it is written. The result
 * is checked against the stage's schema and primary key before anyone can publish it.
 */
export async function executeStage(
  config: Config,
  def: DatasetDef,
  inputs: Record<string, StageInput>,
  options: ExecuteOptions = {},
): Promise<Executed> {
  const { instance, con } = await openDuckDB({ tempDir: spillDir(config.dataDir) });
  const onAbort = () => con.interrupt();
  options.signal?.addEventListener("abort", onAbort);
  let staged: StagedFile | undefined;
  try {
    if (def.partitioning) return await executePartitioned(con, config, def, inputs, options);
    const incremental = def.derive!.incremental;
    const paths = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.files]));
    let cutoff: Date | undefined;
    let fallback: string | undefined;
    if (options.recent?.days !== undefined && incremental) {
      cutoff = await recentCutoff(con, incremental, paths, options.recent.days);
      // Merging is only sound when it gives a full recompute's bytes; anything else loses or keeps stale rows.
      fallback = cutoff
        ? await mergeBlocker(con, incremental, inputs, options.recent.changed, cutoff)
        : "the input that anchors the cutoff is empty; recomputed in full";
      if (fallback) cutoff = undefined;
    }
    await createInputViews(con, inputs, (name) => (cutoff ? recentInputFilter(incremental!, name, cutoff) : undefined));

    let select = castSelect(def);
    if (cutoff) {
      await con.run(`CREATE VIEW stage_previous AS SELECT * FROM ${parquet(options.recent!.previous.files)}`);
      const columns = compileSchema(def.schema).map((c) => c.name);
      select = mergeRecent(def, select, "stage_previous", cutoff, columns);
    }
    const sql = `SELECT * FROM (\n${select}\n) ORDER BY ${orderBy(def)}`;
    staged = await stageQuery(con, config.dataDir, sql).catch((e) => {
      throw stageFailure(def, (e as Error).message, [], e);
    });
    options.signal?.throwIfAborted();

    const outcome = await validateStaged(con, def, staged.path, "strict");
    if (outcome.summary.rowsRejected > 0) {
      throw stageFailure(def, `${outcome.summary.rowsRejected} result rows break the schema of ${def.name}`, [
        ...outcome.firstErrors.map((e) => `row ${e.rowId}: ${e.column} = ${e.value ?? "null"} (${e.rule})`),
        "Fix the stage's SQL or its schema.",
      ]);
    }
    await assertUniqueKey(con, def, staged.path);

    let summary: Record<string, number> | undefined;
    if (def.derive!.summary) {
      // Counts describe the whole version, so the inputs are read in full even after a recent run.
      await createInputViews(con, inputs, () => undefined);
      await con.run(`CREATE OR REPLACE VIEW stage_output AS SELECT * FROM ${parquet(staged.path)}`);
      const [row] = await queryRows<Record<string, number>>(con, def.derive!.summary).catch((e) => {
        throw stageFailure(def, `summary: ${(e as Error).message}`, [], e);
      });
      summary = Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
    }
    // Checks that read other datasets see this run's input versions.
    const versions = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.version]));
    const quality = await checkStaged(con, config, def, staged, {
      createdAt: options.startedAt ?? Date.now(),
      versions,
    });
    const result: Executed = {
      staged,
      rowCount: await parquetRowCount(con, staged.path),
      fields: await parquetSchema(con, staged.path),
      sql,
      summary,
      validation: outcome.summary,
      cutoff,
      merged: cutoff !== undefined,
      fallback,
      quality,
    };
    staged = undefined;
    return result;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await staged?.discard();
    con.closeSync();
    instance.closeSync();
  }
}

export async function createInputViews(
  con: DuckDBConnection,
  inputs: Record<string, StageInput>,
  filter: (name: string) => string | undefined,
): Promise<void> {
  for (const [name, input] of Object.entries(inputs)) {
    const where = filter(name);
    await con.run(
      `CREATE OR REPLACE VIEW ${quoteIdent(name)} AS SELECT * FROM ${parquet(input.files)}${where ? ` WHERE ${where}` : ""}`,
    );
  }
}

/** A join that fans out shows up here rather than as silently double-counted rows downstream. */
export async function assertUniqueKey(con: DuckDBConnection, def: DatasetDef, file: ParquetFiles): Promise<void> {
  const key = def.primaryKey.map(quoteIdent).join(", ");
  const dupes = await queryRows<{ key: string; n: number }>(
    con,
    `SELECT CAST(concat_ws('/', ${key}) AS VARCHAR) AS key, count(*) AS n FROM ${parquet(file)}
     GROUP BY ${key} HAVING count(*) > 1 ORDER BY ${key} LIMIT 3`,
  );
  if (dupes.length) {
    throw stageFailure(
      def,
      `the primary key (${def.primaryKey.join(", ")}) is not unique`,
      dupes.map((d) => `${d.key} appears ${d.n} times`),
    );
  }
}
