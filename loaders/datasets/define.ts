import type { z } from "zod";
import type { CheckSpec } from "./check-spec.ts";
import { withSchemaChecks } from "./schema-checks.ts";
import type { SourceTable } from "../sources/schema.ts";

/** Dataset names are safe as file names and SQL identifiers. */
export const DATASET_NAME = /^[a-z][a-z0-9_]{0,62}$/;

export interface PostgresSource {
  kind: "postgres";
  /** Which application table, in either naming. */
  table: SourceTable;
  /** The column that `--days/--since/--until` filter on, if any. */
  timeColumn?: string;
  /** The column that `--user-id` filters on, if any. */
  userColumn?: string;
  /**
   * Nullable columns the application added later, which a database on an older schema lacks: an ingest reads them
   * as NULL there, and says so, instead of refusing the table. Each must be nullable and outside the keys, and a
   * partitioned dataset has none (its partitions' fingerprints would change when the column arrives).
   */
  optionalColumns?: readonly string[];
}

export interface FileSource {
  kind: "files";
  format: "ndjson" | "csv";
  /** Default glob of input files, relative to the repository root; `--from` overrides it. */
  defaultGlob?: string;
  timeColumn?: string;
  userColumn?: string;
}

export interface Derivation {
  /** Input datasets, by name. */
  inputs: string[];
  /**
   * DuckDB SQL over the inputs, each available as a view named after its dataset. Its result must have the schema's
   * columns.
   */
  sql: string;
  /** Set when the stage can recompute only recent days (`labbook run --mode recent`); see loaders/pipeline. */
  incremental?: Incremental;
  /**
   * SQL returning one row of named counts over the full inputs and the stage's result (view `stage_output`), kept in
   * the lineage run facet, e.g. how many duplicates a dedup dropped.
   */
  summary?: string;
}

/**
 * A day-partitioned stage: an output row of day d depends only on input rows of day d. A recent run recomputes the
 * rows with `column` ≥ a cutoff from inputs filtered the same way and keeps older rows from the previous version.
 */
export interface Incremental {
  /** The output column that partitions rows in time (a DATE or TIMESTAMPTZ). */
  column: string;
  /** "isoweek" moves the cutoff back to a Monday, for per-week outputs. Default "day". */
  align?: "day" | "isoweek";
  /** Input dataset → its time column. The first input's newest time anchors the cutoff. */
  inputs: Record<string, string>;
}

/**
 * How a dataset's versions are split into objects: one Parquet object per `grain` of a time column, named by a
 * version manifest. An ingest then re-exports only the partitions whose source rows changed, and versions share
 * the objects of the partitions they have in common.
 */
export interface Partitioning {
  /**
   * A timestamp (or, for a derived dataset, date) column that never is null; the first column of the sort key, so
   * partitions are contiguous.
   */
  column: string;
  /** Day partitions keep the re-export after a change small; month partitions make fewer, larger objects. */
  grain: "day" | "month";
}

/** A declarative quality check; see check-spec.ts. */
export type { CheckSpec } from "./check-spec.ts";

export interface DatasetDef<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  /** The row schema: the one definition of columns, types and validation rules. */
  schema: S;
  primaryKey: string[];
  /** Rows are stored in this order, which makes versions byte-stable. */
  sortKey: string[];
  source?: PostgresSource | FileSource;
  derive?: Derivation;
  /** Written by a labbook command itself rather than ingested or derived ("check": quality_results). */
  produced?: "check";
  /**
   * Store versions as one object per time partition (PostgreSQL sources, and day-partitioned derived datasets by
   * day on their `incremental` column); see Partitioning.
   */
  partitioning?: Partitioning;
  /**
   * Declared quality checks. A source dataset's definition gets its schema's not_null, accepted_values and in_range
   * checks first (schema-checks.ts); they are never declared.
   */
  checks?: CheckSpec[];
}

/** Returns its argument, checked: a dataset is defined once and everything else reads the definition. */
export function defineDataset<S extends z.ZodObject>(def: DatasetDef<S>): DatasetDef<S> {
  if (!DATASET_NAME.test(def.name)) throw new Error(`defineDataset: invalid name "${def.name}"`);
  if ([def.source, def.derive, def.produced].filter(Boolean).length !== 1)
    throw new Error(`defineDataset ${def.name}: give exactly one of source, derive or produced`);
  const columns = Object.keys(def.schema.shape);
  for (const key of [...def.primaryKey, ...def.sortKey]) {
    if (!columns.includes(key)) throw new Error(`defineDataset ${def.name}: key column "${key}" is not in the schema`);
  }
  const part = def.partitioning;
  if (part) {
    const incremental = def.derive?.incremental;
    if (def.derive) {
      // A derived partition is recomputed from its inputs' rows of the same days, so it must be a day-local stage.
      if (incremental?.column !== part.column || part.grain !== "day" || incremental.align === "isoweek")
        throw new Error(
          `defineDataset ${def.name}: a derived dataset is partitioned by day, on its incremental column`,
        );
    } else if (def.source?.kind !== "postgres")
      throw new Error(
        `defineDataset ${def.name}: partitioning applies to PostgreSQL sources and derived datasets only`,
      );
    if (def.sortKey[0] !== part.column)
      throw new Error(`defineDataset ${def.name}: the partition column "${part.column}" must lead the sort key`);
  }
  const optional = def.source?.kind === "postgres" ? (def.source.optionalColumns ?? []) : [];
  if (optional.length > 0 && part)
    throw new Error(`defineDataset ${def.name}: a partitioned dataset cannot have optional source columns`);
  for (const name of optional) {
    if (!columns.includes(name) || def.primaryKey.includes(name) || def.sortKey.includes(name))
      throw new Error(`defineDataset ${def.name}: optional column "${name}" must be a schema column outside the keys`);
    if (!def.schema.shape[name]!.safeParse(null).success)
      throw new Error(`defineDataset ${def.name}: optional column "${name}" must be nullable`);
  }
  // A source's schema implies checks of its stored versions (validation can be skipped at ingest).
  if (def.source) return { ...def, checks: withSchemaChecks(def.name, def.schema, def.checks) };
  return def;
}
