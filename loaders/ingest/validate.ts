import type { DuckDBConnection } from "@duckdb/node-api";
import type { DatasetDef } from "../datasets/define.ts";
import { breaksRulesSql, compileSchema, failingSql, rejectReasonSql, type CompiledColumn } from "../datasets/rules.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";
import { parquet, queryRows } from "../duckdb.ts";
import type { ValidationSummary } from "../lineage/record.ts";

export type ValidationMode = ValidationSummary["mode"];

export interface ValidationOutcome {
  summary: ValidationSummary;
  /** The first failures, for messages: row id, column, value and rule. */
  firstErrors: { rowId: string; column: string; value: string | null; rule: string }[];
}

/**
 * Validates a staged Parquet file against the dataset's zod schema, compiled to DuckDB SQL: counts rows and rejects
 * in one scan of the columns that have rules. Nulls per column come from the file's footer statistics, which DuckDB
 * writes for every row group, and settle the "not null" rules of columns with none; a file without them is scanned
 * for nulls too.
 */
export async function validateStaged(
  con: DuckDBConnection,
  def: DatasetDef,
  file: string,
  mode: ValidationMode,
): Promise<ValidationOutcome> {
  const columns = compileSchema(def.schema);
  const footer = await footerNullCounts(con, file, columns);
  // A column the footer counts no nulls in cannot break its "not null" rule: the scan then need not read it.
  const scanned = footer
    ? columns.map((c) => ({ ...c, rules: c.rules.filter((r) => r.rule !== "not null" || footer[c.name]! > 0) }))
    : columns;
  const broken = mode === "skipped" ? "false" : breaksRulesSql(scanned);
  const scanNulls = footer
    ? ""
    : `, ${columns.map((c, i) => `count(*) - count(${quoteIdent(c.name)}) AS n${i}`).join(", ")}`;
  const [row] = await queryRows<Record<string, number>>(
    con,
    `SELECT count(*) AS total, count(*) FILTER (WHERE ${broken}) AS rejected${scanNulls} FROM ${parquet(file)}`,
  );
  const total = Number(row!.total);
  const rejected = Number(row!.rejected);
  const summary: ValidationSummary = {
    mode,
    rowsRead: total,
    rowsValid: total - rejected,
    rowsRejected: rejected,
    nullsPerColumn: footer ?? Object.fromEntries(columns.map((c, i) => [c.name, Number(row![`n${i}`])])),
  };
  if (rejected === 0) return { summary, firstErrors: [] };
  const id = def.primaryKey.map(quoteIdent).join(" || '/' || ");
  const probes = columns.flatMap((c) =>
    c.rules.map(
      (r) => `(SELECT CAST(${id} AS VARCHAR) AS "rowId", ${sqlString(c.name)} AS "column",
        CAST(${quoteIdent(c.name)} AS VARCHAR) AS "value", ${sqlString(r.rule)} AS "rule"
        FROM ${parquet(file)} WHERE ${failingSql(c.name, r.rule, r.sql)} LIMIT 5)`,
    ),
  );
  const firstErrors = await queryRows<ValidationOutcome["firstErrors"][number]>(
    con,
    `SELECT * FROM (${probes.join(" UNION ALL ")}) LIMIT 5`,
  );
  return { summary, firstErrors };
}

/** SQL selecting a staged file's valid rows, or its rejected rows with a `_reject_reason` column. */
export function splitSql(def: DatasetDef, file: string, which: "valid" | "rejected"): string {
  const reason = rejectReasonSql(compileSchema(def.schema));
  return which === "valid"
    ? `SELECT * FROM ${parquet(file)} WHERE ${reason} IS NULL`
    : `SELECT *, ${reason} AS _reject_reason FROM ${parquet(file)} WHERE ${reason} IS NOT NULL`;
}

/**
 * Nulls per column summed from the row groups' statistics in the footer, or undefined when some row group of some
 * column has no null count (then the caller counts by scanning). A file with no row groups has no nulls.
 */
async function footerNullCounts(
  con: DuckDBConnection,
  file: string,
  columns: CompiledColumn[],
): Promise<Record<string, number> | undefined> {
  const rows = await queryRows<{ column: string; nulls: number | null; missing: number }>(
    con,
    `SELECT path_in_schema AS "column", sum(stats_null_count)::BIGINT AS nulls,
       (count(*) - count(stats_null_count))::BIGINT AS missing
     FROM parquet_metadata(${sqlString(file)}) GROUP BY ALL`,
  );
  // parquet_metadata has a row per row group and column: none at all means no row groups, hence no nulls.
  if (rows.length === 0) return Object.fromEntries(columns.map((c) => [c.name, 0]));
  const byColumn = new Map(rows.map((r) => [r.column, r]));
  const counts: Record<string, number> = {};
  for (const c of columns) {
    const found = byColumn.get(c.name);
    if (!found || Number(found.missing) > 0) return undefined;
    counts[c.name] = Number(found.nulls ?? 0);
  }
  return counts;
}
