import type { DatasetDef } from "../datasets/define.ts";
import { quoteIdent } from "../sql-quote.ts";
import { parquet, type ParquetFiles } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import type { SchemaField } from "../lineage/record.ts";
import type { CheckSpec } from "../datasets/check-spec.ts";

/** Another dataset's version that a check reads (relationships, no_gaps within, freshness reference). */
export interface ResolvedDataset {
  def: DatasetDef;
  version: string;
  files: ParquetFiles;
  /** Its columns, when known: a drift check skips a column the compared version lacks. */
  fields?: SchemaField[];
}

/** Thrown by a module when it cannot judge this pair of versions (e.g. the compared version lacks the column). */
export class SkipCheck extends Error {}

/** Why another dataset's rows cannot be read although it has versions; the check is skipped with this detail. */
export interface Unresolved {
  skipped: string;
}

/** What a check module sees: the checked rows and validated access to everything else it may read. */
export interface CheckTarget {
  def: DatasetDef;
  /** A SQL relation of the checked rows. */
  rows: string;
  /** A column of the checked dataset, validated against its schema and quoted. */
  col(name: string): string;
  /** An input dataset's rows and columns; only datasets listed by the module's `inputs` are available. */
  input(dataset: string): { rows: string; version: string; col(name: string): string; def: DatasetDef };
  /** The previous version's schema, for schema_unchanged; undefined for a first version. */
  previous?: { version: string; fields: SchemaField[] };
  /**
   * The version a drift check compares with; set only for modules marked `drift`. `unshared` and `ownRows` are the
   * rows of the objects the two versions do not share, its and the checked version's: objects are content-addressed,
   * so a shared object holds the same rows in both, and any multiset difference between the versions is the difference
   * between these (a partitioned version reuses the objects of its unchanged partitions).
   */
  baseline?: { rows: string; version: string; col(name: string): string; unshared: string; ownRows: string };
  /** Epoch ms of the checked version's creation (freshness "ingest"). */
  createdAt: number;
  /** Epoch ms of the run's clock (freshness "now"). */
  now: number;
  /** Fails with a message naming the check and the dataset. */
  fail(message: string): never;
}

export interface CompiledCheck {
  /** DuckDB SQL whose rows are the failing rows; ordered by the runner, so samples are stable. */
  sql: string;
  /** An aggregate over the failing rows giving the failing count; count(*) when omitted. */
  count?: string;
  /** How many failing are tolerated (duplicate_count's max); 0 when omitted. */
  allowed?: number;
  /** Context for the reader, e.g. which input versions were read. */
  detail?: string;
}

export interface CheckModule<S extends CheckSpec> {
  /** Datasets other than the checked one that the check reads; resolved before compile. */
  inputs?(spec: S): string[];
  /** Compares two versions of the dataset: the runner resolves the compared version first (`target.baseline`). */
  drift?: boolean;
  /** The failing count counts rows (or key values), so thresholds may be a percentage of the rows. */
  countsRows?: boolean;
  compile(spec: S, target: CheckTarget): CompiledCheck;
}

/** A bad check definition: a programming error in a dataset's definition, reported with where it is. */
export function definitionError(dataset: string, check: string, message: string): LabbookError {
  return new LabbookError(`bad check ${check} on ${dataset}: ${message}`, {
    code: "E_CONFIG",
    details: [`Fix the check in the definition of ${dataset} (loaders/datasets/).`],
  });
}

/** A column accessor that accepts only the dataset's schema columns. */
export function columnsOf(def: DatasetDef, fail: (message: string) => never, alias?: string) {
  const names = Object.keys(def.schema.shape);
  return (name: string): string => {
    if (typeof name !== "string" || !names.includes(name))
      fail(`unknown column "${String(name)}" of ${def.name} (columns: ${names.join(", ")})`);
    return alias ? `${alias}.${quoteIdent(name)}` : quoteIdent(name);
  };
}

/** Builds a check's target. `inputs` must hold every dataset the module asked for. */
export function makeTarget(options: {
  def: DatasetDef;
  file: ParquetFiles;
  checkName: string;
  inputs: Map<string, ResolvedDataset>;
  previous?: CheckTarget["previous"];
  baseline?: ResolvedDataset;
  createdAt: number;
  now: number;
}): CheckTarget {
  const fail = (message: string): never => {
    throw definitionError(options.def.name, options.checkName, message);
  };
  return {
    def: options.def,
    rows: parquet(options.file),
    col: columnsOf(options.def, fail),
    input(dataset) {
      const found = options.inputs.get(dataset);
      if (!found) return fail(`dataset ${dataset} was not resolved as an input`);
      return { rows: parquet(found.files), version: found.version, def: found.def, col: columnsOf(found.def, fail) };
    },
    previous: options.previous,
    baseline: options.baseline && baselineOf(options.def, options.file, options.baseline, fail),
    createdAt: options.createdAt,
    now: options.now,
    fail,
  };
}

/** The compared version's rows; a column it lacks skips the check rather than break it (a schema change is legal). */
function baselineOf(
  def: DatasetDef,
  file: ParquetFiles,
  b: ResolvedDataset,
  fail: (message: string) => never,
): CheckTarget["baseline"] {
  const col = columnsOf(def, fail);
  const list = (f: ParquetFiles) => (typeof f === "string" ? [f] : f);
  const own = list(file);
  const theirs = list(b.files);
  const shared = new Set(own.filter((f) => theirs.includes(f)));
  // With no object left, no rows: the relation keeps the columns.
  const except = (files: readonly string[]) => {
    const left = files.filter((f) => !shared.has(f));
    return left.length ? parquet(left) : `(SELECT * FROM ${parquet(files)} LIMIT 0)`;
  };
  return {
    rows: parquet(b.files),
    unshared: except(theirs),
    ownRows: except(own),
    version: b.version,
    col(name) {
      const quoted = col(name);
      if (b.fields && !b.fields.some((f) => f.name === name))
        throw new SkipCheck(`column ${name} is not in the compared version ${b.version.slice(7, 19)}`);
      return quoted;
    },
  };
}
