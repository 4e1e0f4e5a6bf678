import { createHash } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Sql } from "postgres";
import type { Config } from "../config.ts";
import type { DatasetDef, Partitioning } from "../datasets/define.ts";
import { compileSchema } from "../datasets/rules.ts";
import type { SourceColumnType } from "../sources/column-types.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { filtersOf, listVersions } from "../lineage/catalog.ts";
import type { SchemaField } from "../lineage/record.ts";
import { parquet } from "../duckdb.ts";
import { stageManifest, type PartitionEntry } from "../store/manifest.ts";
import { objectPath, type StagedFile } from "../store/objects.ts";
import { PARQUET_OPTIONS, parquetRowCount, parquetSchema, stageQuery } from "../store/parquet.ts";
import { checkObject } from "../store/verified.ts";

/** A partition's rows as PostgreSQL sees them: how many, and an order-free hash of their text. */
export interface PartitionFingerprint {
  key: string;
  rows: number;
  /** "<rows>:<sum of the high 32 bits>:<sum of the low 32 bits>" of each row's 64-bit hash. */
  fingerprint: string;
}

/** The `labbook_partitions` run facet: what the next ingest compares with, and what this one reused. */
export interface PartitionsFacet {
  partitioning: Partitioning;
  /** Hash of what shapes a partition's bytes (columns, types, sort key, grain, Parquet settings): reuse needs it equal. */
  layout: string;
  /** The version whose partitions were compared; null for a full export. */
  base: string | null;
  written: number;
  reused: number;
  partitions: (PartitionEntry & { fingerprint: string; status: "written" | "reused" })[];
}

/** "3 of 7 partitions written, 4 reused": what an ingest of a partitioned dataset did, from its facet. */
export const partitionsSummary = (f: Pick<PartitionsFacet, "written" | "reused">) =>
  `${f.written} of ${f.written + f.reused} partitions written, ${f.reused} reused`;

/**
 * A row's partition, in PostgreSQL (its session in UTC): the start of its day or month, a timestamp that groups
 * faster than text. `pgKeyText` formats such a start as the key: "YYYY-MM-DD" or "YYYY-MM".
 */
const pgPartitionStart = (p: Partitioning) => `date_trunc('${p.grain}', ${quoteIdent(p.column)})`;
const pgKeyText = (p: Partitioning, start: string) =>
  `to_char(${start}, '${p.grain === "day" ? "YYYY-MM-DD" : "YYYY-MM"}')`;

/**
 * The rows of one partition, for DuckDB: a range on the partition column, which leads the sort key, so a scan of the
 * sorted staged file reads only the row groups that overlap it.
 */
export function duckPartitionRange(p: Partitioning, key: string): string {
  const start = new Date(`${p.grain === "day" ? key : `${key}-01`}T00:00:00Z`);
  const end = new Date(start);
  if (p.grain === "day") end.setUTCDate(end.getUTCDate() + 1);
  else end.setUTCMonth(end.getUTCMonth() + 1);
  const col = quoteIdent(p.column);
  return `${col} >= TIMESTAMPTZ ${sqlString(start.toISOString())} AND ${col} < TIMESTAMPTZ ${sqlString(end.toISOString())}`;
}

/** Which partitions a COPY exports: a bound setting holding their keys. */
export const PARTITIONS_SETTING = "labbook.partitions";

/**
 * The rows of the partitions named by PARTITIONS_SETTING, as a FROM item over `table`: for each key, a range on the
 * partition column (in the session's UTC), read in a subquery of its own so that an index on the column serves each
 * range, instead of a scan that formats every row's key. Its columns are the table's.
 */
export function partitionRows(p: Partitioning, table: string): string {
  const col = quoteIdent(p.column);
  const start = `to_date(labbook_partition.labbook_key, '${p.grain === "day" ? "YYYY-MM-DD" : "YYYY-MM"}')`;
  const end = `${start} + interval '1 ${p.grain}'`;
  return (
    `unnest(string_to_array(current_setting('${PARTITIONS_SETTING}'), ',')) AS labbook_partition(labbook_key) ` +
    `CROSS JOIN LATERAL (SELECT * FROM ${table} WHERE ${col} >= ${start}::timestamptz AND ${col} < (${end})::timestamptz ` +
    `OFFSET 0) AS ${table}`
  );
}

/**
 * Source types whose hash could miss a change to the exported value, so the fingerprint hashes their text instead:
 * json has no hash function, an enum hashes its value's OID (which `ALTER TYPE … RENAME VALUE` keeps), and a float
 * hashes -0 and 0 alike.
 */
const HASHED_AS_TEXT = new Set(["json", "float4", "float8"]);

/**
 * Fingerprints every partition of the selection on the server: no row leaves PostgreSQL. Each row (the columns the
 * ingest reads) is hashed to 64 bits with `hash_record_extended`, which hashes each value with its type's own hash
 * function rather than formatting it as text (several times cheaper); `types` (the source's column types) names the
 * columns hashed as text instead. A partition's fingerprint is its row count and the sums of the hashes' two
 * halves, so an insert, update or delete anywhere in it changes it, and row order does not.
 */
export async function fingerprintPartitions(
  conn: Sql,
  def: DatasetDef,
  from: string,
  where: string[],
  types: ReadonlyMap<string, SourceColumnType>,
): Promise<PartitionFingerprint[]> {
  const p = def.partitioning!;
  const cols = compileSchema(def.schema).map((c) => {
    const type = types.get(c.name);
    const col = quoteIdent(c.name);
    return type && (type.enum || HASHED_AS_TEXT.has(type.base)) ? `${col}::text` : col;
  });
  const rows = await conn.unsafe<{ key: string; rows: string; hi: string; lo: string }[]>(
    `SELECT ${pgKeyText(p, "k")} AS key, count(*)::text AS rows, sum(h >> 32)::text AS hi,
       sum(h & 4294967295)::text AS lo
     FROM (SELECT ${pgPartitionStart(p)} AS k, hash_record_extended(ROW(${cols.join(", ")}), 0) AS h
           FROM ${from}${where.length ? ` WHERE ${where.join(" AND ")}` : ""}) AS r
     GROUP BY k ORDER BY k`,
  );
  return rows.map((r) => ({ key: r.key, rows: Number(r.rows), fingerprint: `${r.rows}:${r.hi}:${r.lo}` }));
}

/** What shapes a partition's bytes besides its rows. */
export function partitionLayout(def: DatasetDef): string {
  const columns = compileSchema(def.schema).map((c) => [c.name, c.duckdbType]);
  const shape = JSON.stringify({ columns, sortKey: def.sortKey, partitioning: def.partitioning, PARQUET_OPTIONS });
  return createHash("sha256").update(shape).digest("hex").slice(0, 16);
}

export interface PartitionPlan {
  /** Partitions whose object is reused from `base`, by key. */
  reuse: Map<string, PartitionEntry>;
  /** Keys to export, sorted. */
  write: string[];
  base: { version: string; fields: SchemaField[] } | undefined;
  /** Why every partition is written, when one is. */
  note?: string;
}

/**
 * Compares the fingerprints with those in the dataset's latest unfiltered version: a partition is reused when its
 * fingerprint and the layout are unchanged and its object is in the store, intact; every other one is written.
 * `full` names why every partition must be written (`--full`, a filtered ingest), when one must.
 */
export async function planPartitions(
  config: Config,
  def: DatasetDef,
  current: PartitionFingerprint[],
  options: { full?: string },
): Promise<PartitionPlan> {
  const all = { reuse: new Map<string, PartitionEntry>(), write: current.map((c) => c.key), base: undefined };
  if (options.full) return { ...all, note: `${options.full}: every partition written` };
  const [latest] = (await listVersions(config.lineageDir, def.name)).filter(
    (e) => filtersOf(e.parameters).length === 0,
  );
  const facet = latest?.record.run.facets.labbook_partitions as PartitionsFacet | undefined;
  if (!latest || !facet) return { ...all, note: "no earlier version made of partitions: every partition written" };
  if (facet.layout !== partitionLayout(def))
    return { ...all, note: "the definition changed since the last version: every partition written" };
  const previous = new Map(facet.partitions.map((p) => [p.key, p]));
  const reuse = new Map<string, PartitionEntry>();
  const write: string[] = [];
  for (const c of current) {
    const before = previous.get(c.key);
    const intact =
      before?.fingerprint === c.fingerprint &&
      (await checkObject(config.dataDir, objectPath(config.dataDir, before.object), before.object).then(
        (r) => r.intact,
        () => false,
      ));
    if (intact) reuse.set(c.key, { key: c.key, object: before.object, rows: before.rows, bytes: before.bytes });
    else write.push(c.key);
  }
  return {
    reuse,
    write,
    base: { version: latest.version, fields: latest.record.outputs[0]!.facets.schema.fields },
  };
}

/** An ingest of a partitioned dataset, between fingerprinting and commit. */
export interface PartitionRun {
  fingerprints: PartitionFingerprint[];
  plan: PartitionPlan;
  /** How long the change detection took in PostgreSQL. */
  fingerprintSeconds: number;
}

export interface WrittenPartitions {
  /** Staged objects of the partitions written now. */
  written: StagedFile[];
  manifest: StagedFile;
  /** Every partition's file, in key order: staged for the written ones, in the store for the reused ones. */
  files: string[];
  rowCount: number;
  size: number;
  fields: SchemaField[];
  facet: PartitionsFacet;
}

/**
 * Splits the exported rows (`exported`, sorted by the sort key) into one staged object per written partition, each
 * hashed as it is written, and stages the manifest naming them and the reused ones. Every staged file is pushed to
 * `staged` as soon as it exists, so the caller removes it on failure.
 */
export async function writePartitions(
  con: DuckDBConnection,
  config: Config,
  def: DatasetDef,
  run: PartitionRun,
  exported: StagedFile | undefined,
  staged: StagedFile[],
  signal?: AbortSignal,
): Promise<WrittenPartitions> {
  const p = def.partitioning!;
  const fingerprint = new Map(run.fingerprints.map((f) => [f.key, f.fingerprint]));
  const order = def.sortKey.map(quoteIdent).join(", ");
  const written: StagedFile[] = [];
  const entries: (PartitionsFacet["partitions"][number] & { file: string })[] = [];
  for (const key of exported ? run.plan.write : []) {
    signal?.throwIfAborted();
    const part = await stageQuery(
      con,
      config.dataDir,
      `SELECT * FROM ${parquet(exported!.path)} WHERE ${duckPartitionRange(p, key)} ORDER BY ${order}`,
    );
    staged.push(part);
    const rows = await parquetRowCount(con, part.path);
    // Every row of it was rejected (non-strict): the version has no such partition.
    if (rows === 0) continue;
    written.push(part);
    const status = "written" as const;
    const file = part.path;
    entries.push({
      key,
      object: part.version,
      rows,
      bytes: part.size,
      fingerprint: fingerprint.get(key)!,
      status,
      file,
    });
  }
  for (const [key, e] of run.plan.reuse)
    entries.push({
      ...e,
      fingerprint: fingerprint.get(key)!,
      status: "reused",
      file: objectPath(config.dataDir, e.object),
    });
  entries.sort((a, b) => (a.key < b.key ? -1 : 1));
  const fields = exported ? await parquetSchema(con, exported.path) : run.plan.base!.fields;
  const manifest = await stageManifest(config.dataDir, { partitioning: p, schema: fields, partitions: entries });
  staged.push(manifest);
  const partitions = entries.map(({ file: _file, ...e }) => e);
  return {
    written,
    manifest,
    files: entries.map((e) => e.file),
    rowCount: entries.reduce((n, e) => n + e.rows, 0),
    size: entries.reduce((n, e) => n + e.bytes, 0),
    fields,
    facet: {
      partitioning: { column: p.column, grain: p.grain },
      layout: partitionLayout(def),
      base: run.plan.base?.version ?? null,
      written: written.length,
      reused: run.plan.reuse.size,
      partitions,
    },
  };
}
