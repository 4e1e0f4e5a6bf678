/**
 * Quality checks as declared in a dataset's definition (`checks: [...]`). Each is plain data; loaders/quality/checks/
 * compiles it to DuckDB SQL that returns the failing rows. Column names are validated against the dataset schemas
 * before any SQL is built, and values only ever reach SQL as quoted literals.
 */

/** An `error` failure makes `labbook check` exit 1; a `warn` failure is reported and exits 0. */
export type Severity = "error" | "warn";

interface Common {
  /** Defaults to "error". */
  severity?: Severity;
  /** The check's name in results; defaults to `type(columns)`, e.g. `in_range(sessionPerformanceScore)`. */
  name?: string;
  /** One line on why the check exists, shown on the quality page. */
  description?: string;
  /**
   * When the check warns: `">N"`/`">=N"` failing, or `">P%"`/`">=P%"` of the checked version's rows (percentages only
   * for checks that count rows). See loaders/quality/threshold.ts for how it combines with `severity` and `errorIf`.
   */
  warnIf?: string;
  /** When the check errors, written as `warnIf`; a `warn` check takes none. */
  errorIf?: string;
}

/** Which version a drift check compares with: the previous version (the default), or the one a pin set pins. */
export type DriftAgainst = "previous" | { pins: string };

interface Drift extends Common {
  /** Defaults to "previous". `labbook check --against` overrides it for every drift check. */
  against?: DriftAgainst;
}

/** No NULL in any of the columns. Fails one row per row with a NULL. */
export interface NotNullCheck extends Common {
  type: "not_null";
  columns: string[];
}

/** The columns (one, or compound) identify a row. Rows with a NULL in the key are ignored, as in SQL UNIQUE. */
export interface UniqueCheck extends Common {
  type: "unique";
  columns: string[];
}

/** Every non-NULL value is one of `values`. */
export interface AcceptedValuesCheck extends Common {
  type: "accepted_values";
  column: string;
  values: readonly (string | number)[];
}

/** Every non-NULL value lies in [min, max], both inclusive. Bounds are numbers, or ISO timestamps for time columns. */
export interface InRangeCheck extends Common {
  type: "in_range";
  column: string;
  min?: number | string;
  max?: number | string;
}

/** Every non-NULL value, as text, matches the whole pattern (RE2 syntax, as DuckDB's regexp_full_match). */
export interface RegexCheck extends Common {
  type: "regex";
  column: string;
  pattern: string | RegExp;
}

/**
 * A foreign key: every row whose `columns` are all non-NULL has a matching row in `to.dataset`, column for column
 * with `to.columns`. When the referenced columns live in more than one dataset, `via` joins further datasets to it:
 * `{dataset: "experiment_protocols", on: {protocolId: "id"}}` joins `phase_assignments.protocolId = id`; a column of
 * a via dataset is then named `experiment_protocols.userId`.
 */
export interface RelationshipsCheck extends Common {
  type: "relationships";
  columns: string[];
  to: {
    dataset: string;
    /** A list of columns for one entry means the first of them that is not NULL (SQL's coalesce). */
    columns: (string | string[])[];
    via?: { dataset: string; on: Record<string, string> }[];
  };
}

/** The row count lies in [min, max]. */
export interface RowCountBetweenCheck extends Common {
  type: "row_count_between";
  min?: number;
  max?: number;
}

/**
 * The newest value of `column` is at most `maxAge` older than the reference time ("90m", "36h", "2d", "1w"):
 * - `"now"`: the clock of the run (injectable; tests pin it);
 * - `"ingest"`: when the checked version was made;
 * - `{dataset, column}`: the newest value of a column in another dataset (same run, same pins).
 * Against data at a fixed epoch (the demo), only the last is stable; see loaders/quality/README.md.
 */
export interface FreshnessCheck extends Common {
  type: "freshness";
  column: string;
  maxAge: string;
  reference: "now" | "ingest" | { dataset: string; column: string };
}

/**
 * A daily series has no missing day. The series is the days (UTC) on which `column` has a value, per `by` key. The
 * days that must be present are each key's own first to last day or, with `within`, each window [start day, end
 * day) of another dataset's rows for that key (a NULL end is open). Windows are clipped to the checked rows' span,
 * so a filtered ingest does not report the days it left out.
 */
export interface NoGapsCheck extends Common {
  type: "no_gaps";
  column: string;
  by?: string;
  within?: { dataset: string; key: string; start: string; end: string };
}

/** The columns and their types equal the previous version's; added, removed and retyped columns fail. */
export interface SchemaUnchangedCheck extends Common {
  type: "schema_unchanged";
}

/** Exact duplicates on `columns` (NULLs equal): fails when more than `max` (default 0) extra copies exist. */
export interface DuplicateCountCheck extends Common {
  type: "duplicate_count";
  columns: string[];
  max?: number;
}

/** The row count moved by more than `max` against the compared version: a percentage ("20%") or a count ("500"). */
export interface RowCountChangeCheck extends Drift {
  type: "row_count_change";
  max: string;
}

/** A column's share of NULLs moved by more than `max` percentage points ("5%") against the compared version. */
export interface NullRateChangeCheck extends Drift {
  type: "null_rate_change";
  columns: string[];
  max: string;
}

/**
 * A numeric column's distribution shifted against the compared version: the population stability index over the
 * compared version's deciles (`psi`, default max 0.25), or the two-sample Kolmogorov–Smirnov statistic D (`ks`,
 * default max 0.1).
 */
export interface DistributionShiftCheck extends Drift {
  type: "distribution_shift";
  column: string;
  method: "psi" | "ks";
  max?: number;
}

/**
 * A categorical column's categories changed against the compared version: one appeared or vanished, or, with
 * `maxShareChange` ("10%"), one's share of non-NULL rows moved by more than that many percentage points.
 */
export interface CategoryShiftCheck extends Drift {
  type: "category_shift";
  column: string;
  maxShareChange?: string;
}

/**
 * Rows of a settled time range, `column` older than `olderThan` ("30d") before the reference, that were changed or
 * deleted since the compared version (with `added`, also rows added there), matched on the primary key. The
 * reference is the checked version's creation (`"ingest"`, default), the clock (`"now"`) or its newest `column`.
 */
export interface SettledRowsChangedCheck extends Drift {
  type: "settled_rows_changed";
  column: string;
  olderThan: string;
  reference?: "ingest" | "now" | "newest";
  added?: boolean;
}

/**
 * Days whose row count lies far from the dataset's own recent history: the robust (modified) z-score of the day's
 * log count against the same weekday of the trailing `weeks` (default 8), |z| > `threshold` (default 3.5, as
 * Iglewicz and Hoaglin recommend). Days with fewer than `minWeeks` (default 4) earlier same weekdays are not judged.
 */
export interface VolumeAnomalyCheck extends Common {
  type: "volume_anomaly";
  column: string;
  weeks?: number;
  minWeeks?: number;
  threshold?: number;
}

export type CheckSpec =
  | NotNullCheck
  | UniqueCheck
  | AcceptedValuesCheck
  | InRangeCheck
  | RegexCheck
  | RelationshipsCheck
  | RowCountBetweenCheck
  | FreshnessCheck
  | NoGapsCheck
  | SchemaUnchangedCheck
  | DuplicateCountCheck
  | RowCountChangeCheck
  | NullRateChangeCheck
  | DistributionShiftCheck
  | CategoryShiftCheck
  | SettledRowsChangedCheck
  | VolumeAnomalyCheck;

export type CheckType = CheckSpec["type"];

export const severityOf = (spec: CheckSpec): Severity => spec.severity ?? "error";

/** The name results use: the declared one, or the type and the columns it looks at. */
export function checkName(spec: CheckSpec): string {
  if (spec.name) return spec.name;
  switch (spec.type) {
    case "not_null":
    case "unique":
    case "duplicate_count":
    case "null_rate_change":
      return `${spec.type}(${spec.columns.join(",")})`;
    case "accepted_values":
    case "in_range":
    case "regex":
    case "freshness":
    case "category_shift":
    case "settled_rows_changed":
    case "volume_anomaly":
      return `${spec.type}(${spec.column})`;
    case "relationships":
      return `relationships(${spec.columns.join(",")}->${spec.to.dataset})`;
    case "no_gaps":
      return `no_gaps(${spec.column}${spec.by ? ` by ${spec.by}` : ""})`;
    case "distribution_shift":
      return `distribution_shift(${spec.column}, ${spec.method})`;
    case "row_count_between":
    case "schema_unchanged":
    case "row_count_change":
      return spec.type;
  }
}
