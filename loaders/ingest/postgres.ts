import { rm } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.ts";
import type { DatasetDef, PostgresSource } from "../datasets/define.ts";
import { compileSchema } from "../datasets/rules.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { openDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { filtersOf } from "../lineage/catalog.ts";
import { facet } from "../lineage/facets.ts";
import { readGitInfo } from "../lineage/git.ts";
import { recordedFilters, writePrivateParameters } from "../lineage/private-parameters.ts";
import { buildRecord, type SchemaField, type ValidationSummary } from "../lineage/record.ts";
import { silentLogger, type Logger } from "../log.ts";
import { TABLE_NAMES, type Naming } from "../sources/schema.ts";
import { checkSourceColumns } from "../sources/column-types.ts";
import type { Database } from "../sources/postgres.ts";
import { alreadyStoredMessage, commitPartitioned, commitVersion, rejectsPath } from "../store/commit.ts";
import { makeFifo } from "../store/fifo.ts";
import { spillDir, tempPath, type StagedFile } from "../store/objects.ts";
import { parquetSchema, stageQuery } from "../store/parquet.ts";
import type { QualityFacet } from "../quality/facet.ts";
import { checkStaged } from "../quality/staged.ts";
import { shortVersion } from "../lineage/version.ts";
import { feedCopy } from "./feed.ts";
import {
  fingerprintPartitions,
  partitionRows,
  PARTITIONS_SETTING,
  partitionsSummary,
  planPartitions,
  writePartitions,
  type PartitionRun,
} from "./partitions.ts";
import { assertFilterable, resolveFilters, type IngestFilters, type ResolvedFilters } from "./filters.ts";
import { splitSql, validateStaged, type ValidationMode } from "./validate.ts";

export interface IngestOptions {
  filters?: IngestFilters;
  validation?: ValidationMode;
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
  /** A partitioned dataset: export every partition, not only those whose rows changed. */
  full?: boolean;
}

export interface IngestResult {
  dataset: string;
  version: string;
  rowCount: number;
  size: number;
  /** False when identical bytes were already stored. */
  stored: boolean;
  /** True when those bytes were an older version, which is the latest again (see commitVersion). */
  reproduced: boolean;
  validation: ValidationSummary;
  /** The new version's quality checks; a version with failures is kept and marked, never dropped. */
  quality?: QualityFacet;
  rejectsPath?: string;
  warnings: string[];
  /** A partitioned dataset: how many partitions were written and reused, and the change detection's time. */
  partitions?: { written: number; reused: number; fingerprintSeconds: number };
}

/** The COPY query for a source dataset. Filter values are read from session settings set by bound parameters. */
export function sourceQuery(
  def: DatasetDef,
  naming: Naming,
  filters: ResolvedFilters,
  partitions?: string[],
  absent: readonly string[] = [],
): { sql: string; params: Record<string, string>; from: string; where: string[] } {
  const source = def.source as PostgresSource;
  const table = TABLE_NAMES[source.table][naming];
  const cols = compileSchema(def.schema).map((c) =>
    absent.includes(c.name) ? `NULL AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
  );
  const where: string[] = [];
  const params: Record<string, string> = {};
  assertFilterable(def, filters);
  if (filters.since) {
    params["labbook.since"] = filters.since;
    where.push(`${quoteIdent(source.timeColumn!)} >= current_setting('labbook.since')::timestamptz`);
  }
  if (filters.until) {
    params["labbook.until"] = filters.until;
    where.push(`${quoteIdent(source.timeColumn!)} < current_setting('labbook.until')::timestamptz`);
  }
  if (filters.userId !== undefined) {
    params["labbook.user_id"] = filters.userId;
    where.push(`${quoteIdent(source.userColumn!)} = current_setting('labbook.user_id')`);
  }
  if (partitions) params[PARTITIONS_SETTING] = partitions.join(",");
  const rows = partitions ? partitionRows(def.partitioning!, quoteIdent(table)) : quoteIdent(table);
  // COPY keeps row order only with ORDER BY; versions must be byte-stable.
  const sql =
    `SELECT ${cols.join(", ")} FROM ${rows}` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` ORDER BY ${def.sortKey.map(quoteIdent).join(", ")}`;
  return { sql, params, from: quoteIdent(table), where };
}

/** The statement an ingest streams: the source query as CSV (NULL unquoted, empty strings quoted). */
export function copyStatement(select: string): string {
  return `COPY (${select}) TO STDOUT (FORMAT csv)`;
}

// One DuckDB thread while rows stream: PostgreSQL needs the other core; a second thread was slower at 5M events
// (24 s against 21 s streaming) and costs memory. 160MB holds the stream (96MB ran out); peak RSS at 5M events was
// 428-444 MiB with 160MB and a 16 MiB feed buffer, against 469-524 MiB with 192MB and 32 MiB, at the same speed.
export const STREAMING_DUCKDB = { threads: 1, memoryLimit: "160MB" } as const;

/**
 * The checks run on the same DuckDB instance after the rows are written, with a lower limit: lowering it evicts what
 * the streaming and the partition writes left cached, which otherwise adds to the checks' own hash tables. At 5M
 * events it took the ingest's peak RSS from 472 to 424 MiB, and the checks took as long (3.5 s).
 */
const CHECKS_MEMORY_LIMIT = "100MB";

/**
 * The longest row, as CSV, that an ingest reads: DuckDB's default is 2,000,000 bytes, and a large `eventData` can
 * pass that. DuckDB reads a file in buffers of READ_BUFFER bytes, which must be above the line limit (rows of nearly
 * a buffer's size that straddle two buffers failed to parse), so the buffer is twice the limit.
 */
export const MAX_ROW_BYTES = 8 << 20;
const READ_BUFFER = 2 * MAX_ROW_BYTES;

/** DuckDB's reader of what `copyStatement` prints, typed by the dataset's columns. */
export function readCopyCsv(file: string, columns: readonly { name: string; duckdbType: string }[]): string {
  const spec = `{${columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.duckdbType)}`).join(", ")}}`;
  // Not parallel=false: that reader keeps every buffer it has read, so memory grows with the rows until DuckDB runs
  // out of it (seen at 3M events). The parallel reader keeps row order and cuts row groups where the bytes say, so
  // the same rows still give the same file.
  return `SELECT * FROM read_csv(${sqlString(file)}, columns=${spec}, header=false, auto_detect=false,
    allow_quoted_nulls=false, max_line_size=${MAX_ROW_BYTES}, buffer_size=${READ_BUFFER})`;
}

/**
 * DuckDB's error for a row of the COPY output it cannot read, restated for the dataset: which row in sort order and
 * why, with the row cut short. DuckDB's own text quotes the whole row and suggests reader options that do not apply.
 * Other errors are returned as they are.
 */
export function rowReadError(def: DatasetDef, error: unknown): unknown {
  const text = error instanceof Error ? error.message : String(error);
  const line = /CSV Error on Line: (\d+)/.exec(text);
  if (!line) return error;
  const lines = text.split("\n");
  const original = lines.find((l) => l.startsWith("Original Line: "))?.slice("Original Line: ".length) ?? "";
  const size = /Maximum line size of \d+ bytes exceeded\. Actual Size: ?(\d+) bytes/.exec(text);
  const reason = size
    ? `the row is ${mib(Number(size[1]))} as CSV, and labbook reads rows of up to ${mib(MAX_ROW_BYTES)}`
    : (lines.find((l) =>
        /^Error when converting|Could not convert|unterminated quote|Expected Number of Columns/.test(l),
      ) ??
      lines.find((l, i) => i > 0 && l.trim() && !l.startsWith("Original Line: ")) ??
      lines[0]!);
  const order = def.sortKey.map((k) => `"${k}"`).join(", ");
  return new LabbookError(
    `${def.name}: cannot read row ${Number(line[1]).toLocaleString("en")} of the source (in ${order} order): ${reason}`,
    {
      code: "E_SOURCE",
      cause: error,
      details: [`the row begins: ${original.length > 160 ? `${original.slice(0, 160)}…` : original}`],
    },
  );
}

const mib = (bytes: number) => `${(bytes / (1 << 20)).toFixed(1)} MiB`;

/**
 * Ingests one source dataset: streams `COPY (query) TO STDOUT` through a pipe into DuckDB, which writes Parquet
 * through another pipe that hashes it on the way to a temp file; then validates, and publishes the version with its
 * lineage record. Memory stays flat: no row is held in JS. A partitioned dataset first fingerprints its partitions
 * on the server and exports only those that changed since its latest unfiltered version (all of them with `full`).
 */
export async function ingestPostgres(
  def: DatasetDef,
  db: Database,
  naming: Naming,
  config: Config,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const mode = options.validation ?? "strict";
  const startedAt = clock();
  const filters = resolveFilters(options.filters ?? {}, startedAt);
  const columns = compileSchema(def.schema);
  const signal = options.signal;
  signal?.throwIfAborted();
  // Before any query of the rows, the fingerprints of a partitioned ingest included: a changed column type is named.
  const source = def.source as PostgresSource;
  const table = TABLE_NAMES[source.table][naming];
  const { absent, types } = await checkSourceColumns(db.sql, def.name, table, columns, source.optionalColumns);
  const absentNote =
    absent.length > 0
      ? `${def.name}: the source table "${table}" has no column ${absent.map((c) => `"${c}"`).join(", ")}; read as NULL`
      : undefined;
  const whole = sourceQuery(def, naming, filters, undefined, absent);

  const staged: StagedFile[] = [];
  const fifo = await tempPath(config.dataDir, ".csv.fifo");
  await makeFifo(fifo);
  const { instance, con } = await openDuckDB({ tempDir: spillDir(config.dataDir), ...STREAMING_DUCKDB }).catch(
    async (error: unknown) => {
      await rm(fifo, { force: true });
      throw error;
    },
  );
  // A connection of its own: a pooled connection reused after a large COPY OUT can hang in postgres.js.
  const dedicated = db.dedicated();
  const conn = dedicated.sql;
  const onAbort = () => con.interrupt();
  signal?.addEventListener("abort", onAbort);
  try {
    for (const [key, value] of Object.entries(whole.params)) await conn`SELECT set_config(${key}, ${value}, false)`;
    let partitioned: PartitionRun | undefined;
    let { sql: select } = whole;
    if (def.partitioning) {
      // One snapshot for the fingerprints and the COPY: the record's fingerprints describe exactly the rows exported.
      await conn.unsafe("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      log.progress(`${def.name}: fingerprinting partitions in PostgreSQL`);
      const t0 = performance.now();
      const fingerprints = await fingerprintPartitions(conn, def, whole.from, whole.where, types);
      const fingerprintSeconds = (performance.now() - t0) / 1000;
      // No rows: the version is one empty object with the full schema, as an empty version of any dataset is.
      if (fingerprints.length > 0) {
        // Reuse needs every row of a partition to pass strict validation; a filtered version is a selection.
        const full = options.full
          ? "--full"
          : Object.keys(whole.params).length > 0
            ? "a filtered ingest"
            : mode !== "strict"
              ? `a ${mode === "skipped" ? "--no-validate" : "--non-strict"} ingest`
              : undefined;
        const plan = await planPartitions(config, def, fingerprints, { full });
        if (plan.note && !options.full) log.info(`${def.name}: ${plan.note}`);
        partitioned = { fingerprints, plan, fingerprintSeconds };
        if (plan.write.length < fingerprints.length) {
          const restricted = sourceQuery(def, naming, filters, plan.write, absent);
          select = restricted.sql;
          await conn`SELECT set_config(${PARTITIONS_SETTING}, ${plan.write.join(",")}, false)`;
        }
      }
    }
    const copySql = copyStatement(select);
    // The record is committed to git: a user id goes in as its keyed pseudonym, the raw id to local state. Drift
    // checks compare with earlier records, so they see the filters as the records hold them.
    const recorded = await recordedFilters(config, options.filters ?? {}, whole.params);
    const recordFor =
      (r: { version: string; rowCount: number; size: number; fields: SchemaField[] }) =>
      async (validation: ValidationSummary, runFacets: Record<string, object>) =>
        buildRecord({
          job: `ingest.${def.name}`,
          dataset: def.name,
          ...r,
          inputs: [
            {
              namespace: db.info.lineage.namespace,
              name: `${db.info.database}.public.${table}`,
              facets: { dataSource: facet("dataSource", { name: db.info.database, uri: db.info.lineage.uri }) },
            },
          ],
          dataSource: { name: `${db.info.database}.public.${table}`, uri: db.info.lineage.uri },
          sql: copySql,
          parameters: {
            dataset: def.name,
            naming,
            table,
            filters: recorded.filters,
            boundParameters: recorded.bound,
            validation: mode,
            ...(def.partitioning ? { full: options.full === true } : {}),
          },
          git: await readGitInfo(config.root),
          sourcePath: "loaders/ingest/postgres.ts",
          startedAt,
          endedAt: clock(),
          validation,
          runFacets,
        });

    let first: StagedFile | undefined;
    // With nothing to write the reused partitions are the version; an empty source still exports its schema.
    if (!partitioned || partitioned.plan.write.length > 0 || !partitioned.plan.base) {
      const read = readCopyCsv(fifo, columns);
      log.progress(`${def.name}: streaming from PostgreSQL`);
      const staging = stageQuery(con, config.dataDir, read);
      // DuckDB failed and reads no more: stop the feed, which would otherwise wait on a full pipe.
      const stopFeed = new AbortController();
      staging.catch((e) => stopFeed.abort(e));
      const stop = signal ? AbortSignal.any([signal, stopFeed.signal]) : stopFeed.signal;
      const feed = feedCopy(conn, copySql, fifo, staging, stop);
      const [stagedResult, fed] = await Promise.allSettled([staging, feed]);
      if (stagedResult.status === "fulfilled") staged.push(stagedResult.value);
      // DuckDB's error explains more than the broken pipe it causes on the feeding side.
      if (stagedResult.status === "rejected") throw rowReadError(def, stagedResult.reason);
      if (fed.status === "rejected") throw fed.reason;
      first = stagedResult.value;
      signal?.throwIfAborted();
    }

    // Validation and checks scan a local file: both cores help there.
    await con.run("SET threads = 2");
    let v: ValidationSummary = { mode, rowsRead: 0, rowsValid: 0, rowsRejected: 0, nullsPerColumn: {} };
    let final = first;
    let rejects: StagedFile | undefined;
    if (first) {
      log.progress(`${def.name}: validating`);
      const outcome = await validateStaged(con, def, first.path, mode);
      v = outcome.summary;
      if (v.rowsRejected > 0 && mode === "strict") {
        throw new LabbookError(
          `validation failed for ${def.name}: ${v.rowsRejected} of ${v.rowsRead} rows are invalid`,
          {
            code: "E_VALIDATION",
            details: [
              ...outcome.firstErrors.map(
                (e) =>
                  `row ${e.rowId}: ${e.column} = ${e.value === null ? "null" : JSON.stringify(e.value)} (${e.rule})`,
              ),
              "No version was written. Use --non-strict to version the valid rows and keep the rest in a rejects file.",
            ],
          },
        );
      }
      if (v.rowsRejected > 0) {
        final = await stageQuery(con, config.dataDir, splitSql(def, first.path, "valid"));
        staged.push(final);
        rejects = await stageQuery(con, config.dataDir, splitSql(def, first.path, "rejected"));
        staged.push(rejects);
        // The unsplit file is not published: remove it now rather than leave a full-size copy in data/tmp.
        await first.discard();
        log.warn(`${def.name}: ${v.rowsRejected} invalid rows written to the rejects file`);
      }
    }
    signal?.throwIfAborted();
    // Every row rejected (non-strict): an empty version, one object as above. A manifest of no partitions would leave
    // readers no file to read the columns from.
    if (partitioned && first && v.rowsValid === 0 && partitioned.plan.reuse.size === 0) partitioned = undefined;

    if (partitioned) {
      const made = await writePartitions(con, config, def, partitioned, final, staged, signal);
      log.progress(`${def.name}: running quality checks`);
      await con.run(`SET memory_limit = '${CHECKS_MEMORY_LIMIT}'`);
      const quality = await checkStaged(
        con,
        config,
        def,
        { path: made.files, version: made.manifest.version },
        { createdAt: startedAt, clock, filters: filtersOf({ filters: recorded.filters }) },
      );
      signal?.throwIfAborted();
      const warnings = checkWarnings(def, quality, made.rowCount);
      const record = await recordFor({
        version: made.manifest.version,
        rowCount: made.rowCount,
        size: made.size,
        fields: made.fields,
      })(rejects ? withRejects(config, def, v, rejects, made.manifest.version) : v, {
        labbook_partitions: made.facet,
        ...(quality ? { labbook_quality: quality } : {}),
      });
      if (recorded.local) await writePrivateParameters(config, def.name, made.manifest.version, recorded.local);
      const committed = await commitPartitioned(config, def.name, made.written, made.manifest, record, rejects);
      // The committed files were renamed away; what is left (the exported rows before the split) goes in `finally`.
      for (const w of warnings) log.warn(w);
      const { written, reused } = made.facet;
      const parts = partitionsSummary(made.facet);
      log.info(
        committed.stored
          ? `${def.name}: new version ${shortVersion(made.manifest.version)} (${made.rowCount.toLocaleString("en")} rows; ${parts})`
          : `${alreadyStoredMessage(def.name, made.manifest.version, committed)} (${parts})`,
      );
      return {
        dataset: def.name,
        version: made.manifest.version,
        rowCount: made.rowCount,
        size: made.size,
        stored: committed.stored,
        reproduced: committed.reproduced,
        validation: record.run.facets.labbook_validation as ValidationSummary,
        quality,
        rejectsPath: committed.rejectsPath,
        warnings,
        partitions: { written, reused, fingerprintSeconds: partitioned.fingerprintSeconds },
      };
    }

    final = final!;
    const fields = await parquetSchema(con, final.path);
    signal?.throwIfAborted();

    // Checked before commit, so the outcome lands in the version's one lineage record.
    log.progress(`${def.name}: running quality checks`);
    await con.run(`SET memory_limit = '${CHECKS_MEMORY_LIMIT}'`);
    const quality = await checkStaged(con, config, def, final, {
      createdAt: startedAt,
      clock,
      filters: filtersOf({ filters: recorded.filters }),
    });
    signal?.throwIfAborted();

    const warnings = [...(absentNote ? [absentNote] : []), ...checkWarnings(def, quality, v.rowsValid)];
    const record = await recordFor({ version: final.version, rowCount: v.rowsValid, size: final.size, fields })(
      rejects ? withRejects(config, def, v, rejects, final.version) : v,
      quality ? { labbook_quality: quality } : {},
    );
    if (recorded.local) await writePrivateParameters(config, def.name, final.version, recorded.local);
    const committed = await commitVersion(config, def.name, final, record, rejects);
    staged.length = 0;
    for (const w of warnings) log.warn(w);
    log.info(
      committed.stored
        ? `${def.name}: new version ${shortVersion(final.version)} (${v.rowsValid.toLocaleString("en")} rows, ${final.size.toLocaleString("en")} bytes)`
        : alreadyStoredMessage(def.name, final.version, committed),
    );
    return {
      dataset: def.name,
      version: final.version,
      rowCount: v.rowsValid,
      size: final.size,
      stored: committed.stored,
      reproduced: committed.reproduced,
      validation: record.run.facets.labbook_validation as ValidationSummary,
      quality,
      rejectsPath: committed.rejectsPath,
      warnings,
    };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await dedicated.close();
    con.closeSync();
    instance.closeSync();
    await Promise.all([rm(fifo, { force: true }), ...staged.map((s) => s.discard())]);
  }
}

function checkWarnings(def: DatasetDef, quality: QualityFacet | undefined, rows: number): string[] {
  const warnings: string[] = [];
  for (const c of quality?.checks.filter((c) => c.status === "fail" || c.status === "warn") ?? [])
    warnings.push(`${def.name}: check ${c.check} ${c.status === "fail" ? "failed" : "warns"} (${c.failing} failing)`);
  if (rows === 0) warnings.push(`${def.name}: the selection is empty; wrote an empty version with the full schema`);
  return warnings;
}

function withRejects(
  config: Config,
  def: DatasetDef,
  v: ValidationSummary,
  rejects: StagedFile,
  version: string,
): ValidationSummary {
  return {
    ...v,
    rejects: {
      path: path.relative(config.dataDir, rejectsPath(config.dataDir, def.name, version)),
      sha256: rejects.version,
      rows: v.rowsRejected,
    },
  };
}
