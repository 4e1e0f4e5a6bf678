import { quoteIdent } from "../sql-quote.ts";
import { parquet } from "../duckdb.ts";
import type { BoundFilter } from "./filter.ts";
import { kindOf, type Column, type DeliverySource } from "./source.ts";

/** A query over one version, with the parameters its filter binds. */
export interface ExportQuery {
  sql: string;
  params: string[];
}

/**
 * ISO 8601 in UTC: milliseconds when the value has none finer, else microseconds, so the text is exact either way.
 * A timestamp without time zone is taken as UTC.
 */
export function isoTimestampSql(column: Column): string {
  const c = quoteIdent(column.name);
  const utc = column.type === "TIMESTAMP WITH TIME ZONE" ? `(${c} AT TIME ZONE 'UTC')` : `${c}::TIMESTAMP`;
  return (
    `CASE WHEN microsecond(${c}) % 1000 = 0 THEN strftime(${utc}, '%Y-%m-%dT%H:%M:%S.%gZ') ` +
    `ELSE strftime(${utc}, '%Y-%m-%dT%H:%M:%S.%fZ') END`
  );
}

/** The select list for text formats: timestamps as ISO 8601 strings, everything else as stored. */
export function textColumns(columns: Column[]): string {
  return columns
    .map((c) =>
      kindOf(c.type) === "timestamp" ? `${isoTimestampSql(c)} AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
    )
    .join(", ");
}

/** The date (UTC) of a time column, the value of a `date=` partition. */
export function utcDateSql(column: Column): string {
  const c = quoteIdent(column.name);
  return column.type === "TIMESTAMP WITH TIME ZONE" ? `CAST(timezone('UTC', ${c}) AS DATE)` : `CAST(${c} AS DATE)`;
}

/**
 * `SELECT <select> FROM <the version> [WHERE <filter>]`, keeping the version's row order (DuckDB preserves insertion
 * order of a scan unless told otherwise).
 */
export function exportQuery(source: DeliverySource, select: string, filter: BoundFilter): ExportQuery {
  const where = filter.where ? ` WHERE ${filter.where}` : "";
  return { sql: `SELECT ${select} FROM ${parquet(source.files)}${where}`, params: filter.params };
}
