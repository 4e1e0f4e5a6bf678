import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Config } from "../config.ts";
import { quoteIdent } from "../sql-quote.ts";
import { withDuckDB } from "../duckdb.ts";
import { usageError } from "../errors.ts";
import { readGitInfo } from "../lineage/git.ts";
import { silentLogger, type Logger } from "../log.ts";
import { spillDir } from "../store/objects.ts";
import { shortVersion } from "../lineage/version.ts";
import { labbookVersion } from "../version.ts";
import { bindFilters, type BoundFilter, type FilterSpec } from "./filter.ts";
import type { ExportFile, ExportFormat, ParquetCompression, WriteContext } from "./format.ts";
import { writeManifest, type ExportManifest } from "./manifest.ts";
import { publishDir, stagingDir } from "../out-dir.ts";
import { exportQuery, utcDateSql } from "./select.ts";
import { kindOf, resolveSource, type DeliverySource } from "./source.ts";
import { toCsv } from "./to-csv.ts";
import { schemaVersion, toNdjson } from "./to-ndjson.ts";
import { toParquet, type ParquetOptions } from "./to-parquet.ts";

export interface ExportRequest {
  /** "dataset[@version]". */
  ref: string;
  formats: ExportFormat[];
  /** Export the version this pin set pins (see resolveSource for the default). */
  pins?: string;
  /** Parent directory: exports go to <out>/<name>/ for one format, <out>/<format>/<name>/ for several. */
  out?: string;
  /** Parquet only; default zstd. */
  compression?: ParquetCompression;
  /** Parquet only: a column, or "date" for the UTC date of the dataset's time column. */
  partitionBy?: string;
  filters?: FilterSpec[];
  /** CSV only: write a UTF-8 byte-order mark (default true). */
  bom?: boolean;
}

export interface ExportOptions {
  log?: Logger;
  signal?: AbortSignal;
  clock?: () => number;
}

export interface ExportResult {
  format: ExportFormat;
  dir: string;
  manifest: ExportManifest;
}

/** Guards against a partition per row (e.g. --partition-by id): each partition is a directory and a file. */
export const MAX_PARTITIONS = 1000;

/**
 * Exports one version in each format: writes into a hidden temp directory beside the destination, adds a manifest
 * with the sha256 of every file, then renames the directory into place. Bad input fails before anything is written.
 */
export async function exportDataset(
  config: Config,
  request: ExportRequest,
  options: ExportOptions = {},
): Promise<ExportResult[]> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const noParquet = !request.formats.includes("parquet");
  if (noParquet && request.compression) throw usageError("--compression applies to --format parquet only");
  if (noParquet && request.partitionBy) throw usageError("--partition-by applies to --format parquet only");
  return withDuckDB(
    async (con) => {
      const onAbort = () => con.interrupt();
      options.signal?.addEventListener("abort", onAbort);
      try {
        const source = await resolveSource(con, config, { ref: request.ref, pins: request.pins }, log);
        const filter = bindFilters(request.filters ?? [], source);
        const partition = request.partitionBy ? partitionOf(source, request.partitionBy) : undefined;
        if (partition) await checkPartitionCount(con, source, filter, partition);
        const git = await readGitInfo(config.root);
        const results: ExportResult[] = [];
        for (const format of request.formats) {
          options.signal?.throwIfAborted();
          const parent = request.out
            ? request.formats.length > 1
              ? path.join(path.resolve(request.out), format)
              : path.resolve(request.out)
            : path.join(config.root, "exports", format);
          const settings = settingsFor(format, request, partition);
          const name = exportName(source, settings);
          const tmp = await stagingDir(parent, name);
          try {
            const ctx: WriteContext = { con, source, filter, dir: tmp, signal: options.signal };
            log.progress(`${source.dataset}: writing ${format}`);
            const files = await write(format, ctx, settings, partition);
            const manifest: ExportManifest = {
              kind: "labbook-export",
              manifestVersion: 1,
              dataset: source.dataset,
              version: source.version,
              pinSet: source.pinSet,
              format,
              createdAt: new Date(clock()).toISOString(),
              labbookVersion,
              git: { commit: git.commit, dirty: git.dirty },
              rowCount: files.reduce((n, f) => n + f.rows, 0),
              schemaVersion: schemaVersion(source.columns),
              columns: source.columns,
              options: settings,
              files,
            };
            await writeManifest(tmp, manifest);
            // An interrupt that DuckDB missed (it came as a COPY was starting) still leaves nothing behind.
            options.signal?.throwIfAborted();
            const dir = path.join(parent, name);
            await publishDir(tmp, dir);
            log.info(`${source.dataset}@${shortVersion(source.version)}: ${manifest.rowCount} rows to ${dir}`);
            results.push({ format, dir, manifest });
          } catch (error) {
            await rm(tmp, { recursive: true, force: true });
            throw error;
          }
        }
        return results;
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw error;
      } finally {
        options.signal?.removeEventListener("abort", onAbort);
      }
    },
    { tempDir: spillDir(config.dataDir) },
  );
}

interface Partition {
  column: string;
  /** SQL computing the column, for a derived date. */
  derive?: string;
  derivedFrom?: string;
}

const PARTITIONABLE = new Set(["text", "integer", "boolean", "date"]);

/** A column of the version, or "date" derived from its time column; anything else is a usage error naming the valid ones. */
function partitionOf(source: DeliverySource, name: string): Partition {
  const column = source.columns.find((c) => c.name === name);
  const valid = [
    ...(source.timeColumn && !source.columns.some((c) => c.name === "date") ? ["date"] : []),
    ...source.columns.filter((c) => PARTITIONABLE.has(kindOf(c.type))).map((c) => c.name),
  ];
  if (column && PARTITIONABLE.has(kindOf(column.type))) return { column: name };
  if (column) {
    throw usageError(
      `cannot partition ${source.dataset} by ${column.type} column "${name}"`,
      [
        kindOf(column.type) === "timestamp" && source.timeColumn
          ? `Use --partition-by date for one partition per day.`
          : "",
        `Valid: ${valid.join(", ")}.`,
      ].filter(Boolean),
    );
  }
  if (name === "date" && source.timeColumn) {
    const time = source.columns.find((c) => c.name === source.timeColumn)!;
    return { column: "date", derive: utcDateSql(time), derivedFrom: time.name };
  }
  throw usageError(`unknown column "${name}" in --partition-by for ${source.dataset}`, [`Valid: ${valid.join(", ")}.`]);
}

async function checkPartitionCount(
  con: DuckDBConnection,
  source: DeliverySource,
  filter: BoundFilter,
  partition: Partition,
): Promise<void> {
  const query = exportQuery(source, `count(DISTINCT ${partition.derive ?? quoteIdent(partition.column)})`, filter);
  const statement = await con.prepare(query.sql);
  if (query.params.length) statement.bind(query.params);
  const n = Number((await statement.runAndReadAll()).getRows()[0]![0]);
  if (n > MAX_PARTITIONS)
    throw usageError(`--partition-by ${partition.column} would write ${n} partitions (at most ${MAX_PARTITIONS})`, [
      "Partition by a column with fewer distinct values, or by date.",
    ]);
}

/** The options that matter to one format, as recorded in its manifest. */
function settingsFor(format: ExportFormat, request: ExportRequest, partition?: Partition): ExportManifest["options"] {
  const filters = request.filters ?? [];
  if (format === "csv") return { filters, bom: request.bom !== false };
  if (format === "ndjson") return { filters };
  return {
    filters,
    compression: request.compression ?? "zstd",
    ...(partition ? { partitionBy: { column: partition.column, derivedFrom: partition.derivedFrom } } : {}),
  };
}

/** `<dataset>-<short version>`, plus a hash of the options when they differ from a plain export. */
function exportName(source: DeliverySource, settings: ExportManifest["options"]): string {
  const base = `${source.dataset}-${shortVersion(source.version)}`;
  const plain =
    !settings.filters.length &&
    !settings.partitionBy &&
    settings.bom !== false &&
    (settings.compression ?? "zstd") === "zstd";
  if (plain) return base;
  return `${base}-${createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 8)}`;
}

function write(
  format: ExportFormat,
  ctx: WriteContext,
  settings: ExportManifest["options"],
  partition?: Partition,
): Promise<ExportFile[]> {
  if (format === "csv") return toCsv(ctx, { bom: settings.bom });
  if (format === "ndjson") return toNdjson(ctx);
  const options: ParquetOptions = { compression: settings.compression, partition };
  return toParquet(ctx, options);
}
