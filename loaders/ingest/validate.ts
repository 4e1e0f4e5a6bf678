import type { DuckDBConnection } from "@duckdb/node-api";
import type { DatasetDef } from "../datasets/define.ts";
import { compileSchema, quoteIdent, rejectReasonSql, sqlString } from "../datasets/rules.ts";
import { parquet, queryRows } from "../duckdb.ts";
import type { ValidationSummary } from "../lineage/record.ts";

export type ValidationMode = ValidationSummary["mode"];

export interface ValidationOutcome {
  summary: ValidationSummary;
  /** The first failures, for messages: row id, column, value and rule. */
  firstErrors: { rowId: string; column: string; value: string | null; rule: string }[];
}

/**
 * Validates a staged Parquet file against the dataset's zod schema, compiled to DuckDB SQL. Counts rows, rejects and
 * nulls per column in one scan.
 */
export async function validateStaged(
  con: DuckDBConnection,
  def: DatasetDef,
  file: string,
  mode: ValidationMode,
): Promise<ValidationOutcome> {
  const columns = compileSchema(def.schema);
  const nullCounts = columns.map((c, i) => `count(*) - count(${quoteIdent(c.name)}) AS n${i}`).join(", ");
  const reason = mode === "skipped" ? "NULL" : rejectReasonSql(columns);
  const [row] = await queryRows<Record<string, number>>(
    con,
    `SELECT count(*) AS total, count(*) FILTER (WHERE reason IS NOT NULL) AS rejected, ${nullCounts}
     FROM (SELECT *, ${reason} AS reason FROM ${parquet(file)})`,
  );
  const total = Number(row!.total);
  const rejected = Number(row!.rejected);
  const summary: ValidationSummary = {
    mode,
    rowsRead: total,
    rowsValid: total - rejected,
    rowsRejected: rejected,
    nullsPerColumn: Object.fromEntries(columns.map((c, i) => [c.name, Number(row![`n${i}`])])),
  };
  if (rejected === 0) return { summary, firstErrors: [] };
  const id = def.primaryKey.map(quoteIdent).join(" || '/' || ");
  const probes = columns.flatMap((c) =>
    c.rules.map((r) => {
      const col = quoteIdent(c.name);
      const failing = r.rule === "not null" ? `${col} IS NULL` : `${col} IS NOT NULL AND NOT (${r.sql})`;
      return `(SELECT CAST(${id} AS VARCHAR) AS "rowId", ${sqlString(c.name)} AS "column", CAST(${col} AS VARCHAR) AS "value",
        ${sqlString(r.rule)} AS "rule" FROM ${parquet(file)} WHERE ${failing} LIMIT 5)`;
    }),
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
