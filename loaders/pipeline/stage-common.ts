import type { DuckDBConnection } from "@duckdb/node-api";
import type { DatasetDef } from "../datasets/define.ts";
import { compileSchema } from "../datasets/rules.ts";
import { parquet, queryRows, type ParquetFiles } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import type { ValidationOutcome } from "../ingest/validate.ts";
import type { PartitionsFacet } from "../ingest/partitions.ts";
import type { SchemaField } from "../lineage/record.ts";
import type { QualityFacet } from "../quality/facet.ts";
import { quoteIdent } from "../sql-quote.ts";
import type { StagedFile } from "../store/objects.ts";
import type { StagedPartitions } from "./publish.ts";
import type { RecentMerge } from "./recent.ts";
import type { StageInput } from "./stage-input.ts";

// What a stage's two executors share (executeStage for whole-object stages, executePartitioned for day partitions),
// apart from both so neither imports the other.

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
  /**
   * The version's object; for a partitioned stage, its manifest (discarding it discards every staged partition), or
   * its empty result when no day has a row.
   */
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
