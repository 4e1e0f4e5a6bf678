import type { Sql } from "postgres";
import { LabbookError } from "../errors.ts";

/** A column as a dataset declares it: its name and the DuckDB type an ingest reads it as. */
export interface ExpectedColumn {
  name: string;
  duckdbType: string;
}

/** A source column whose type the dataset cannot take without losing or changing values. */
export interface ColumnMismatch {
  column: string;
  expected: string;
  /** PostgreSQL's name of the type found (`double precision`), or null when the column is missing. */
  found: string | null;
}

/**
 * PostgreSQL base types each dataset type takes as they are: the same type, or one that every value of converts
 * exactly (int4 where int8 is expected, varchar or an enum where text is). A timestamp without time zone is read in
 * the session's UTC, and a date as its midnight. Anything else (double precision into an integer, numeric into a
 * double, text into a timestamp) is refused rather than rounded or cast.
 */
const ACCEPTS: Record<string, { label: string; types: string[]; enums?: boolean }> = {
  INTEGER: { label: "integer", types: ["int2", "int4"] },
  BIGINT: { label: "bigint", types: ["int2", "int4", "int8"] },
  DOUBLE: { label: "double precision", types: ["float4", "float8", "int2", "int4"] },
  VARCHAR: { label: "text", types: ["text", "varchar", "bpchar", "name", "citext", "uuid"], enums: true },
  BOOLEAN: { label: "boolean", types: ["bool"] },
  TIMESTAMPTZ: { label: "timestamp with time zone", types: ["timestamptz", "timestamp", "date"] },
  DATE: { label: "date", types: ["date"] },
  JSON: { label: "jsonb", types: ["jsonb", "json"] },
};

/** The PostgreSQL types a dataset type accepts, for the README and messages. */
export function acceptedTypes(duckdbType: string): string[] {
  return ACCEPTS[duckdbType]?.types ?? [];
}

/** A source column's type: as PostgreSQL shows it, its base type's name (a domain's base), and whether an enum. */
export interface SourceColumnType {
  name: string;
  shown: string;
  base: string;
  enum: boolean;
}

/** A table's column types, from pg_catalog (the table name a bound parameter), by column name. */
export async function sourceColumnTypes(sql: Sql, table: string): Promise<Map<string, SourceColumnType>> {
  // Resolved as the COPY query resolves the unqualified name: through the search path. A domain counts as its base.
  const rows = await sql<SourceColumnType[]>`
    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS shown, b.typname AS base,
      b.typtype = 'e' AS enum
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
    WHERE a.attrelid = to_regclass(quote_ident(${table})) AND a.attnum > 0 AND NOT a.attisdropped`;
  return new Map(rows.map((r) => [r.name, r]));
}

/** Compares a table's column types (as sourceColumnTypes reads them) with the dataset's columns. */
export function sourceColumnMismatches(
  found: ReadonlyMap<string, SourceColumnType>,
  columns: readonly ExpectedColumn[],
): ColumnMismatch[] {
  const out: ColumnMismatch[] = [];
  for (const c of columns) {
    const accepts = ACCEPTS[c.duckdbType];
    if (!accepts) throw new Error(`sourceColumnMismatches: no PostgreSQL types for ${c.duckdbType}`);
    const col = found.get(c.name);
    if (!col) out.push({ column: c.name, expected: accepts.label, found: null });
    else if (!(accepts.types.includes(col.base) || (accepts.enums && col.enum)))
      out.push({ column: c.name, expected: accepts.label, found: col.shown });
  }
  return out;
}

/**
 * Fails with E_SOURCE, naming each column, the type expected and the type found, when the source table's columns
 * no longer match the dataset. Run before the COPY: read as the dataset's types, 6.5 in a column turned double
 * precision would be stored as 7, and a timestamp turned text would fail with PostgreSQL's raw operator error.
 * A missing column named in `optional` is no mismatch: it is returned, for the ingest to read as NULL, with the
 * types found (a partitioned ingest's fingerprint hashes some of them as text).
 */
export async function checkSourceColumns(
  sql: Sql,
  dataset: string,
  table: string,
  columns: readonly ExpectedColumn[],
  optional: readonly string[] = [],
): Promise<{ absent: string[]; types: Map<string, SourceColumnType> }> {
  const types = await sourceColumnTypes(sql, table);
  const mismatches = sourceColumnMismatches(types, columns);
  const absent = mismatches.filter((m) => m.found === null && optional.includes(m.column)).map((m) => m.column);
  const wrong = mismatches.filter((m) => !absent.includes(m.column));
  if (wrong.length === 0) return { absent, types };
  const say = (m: ColumnMismatch) =>
    m.found === null
      ? `column "${m.column}" is missing (expected ${m.expected})`
      : `column "${m.column}" is ${m.found}, expected ${m.expected}`;
  throw new LabbookError(`${dataset}: the source table "${table}" does not match the dataset: ${say(wrong[0]!)}`, {
    code: "E_SOURCE",
    details: [
      ...wrong.slice(1).map(say),
      "No version was written. labbook reads each column as the dataset declares it and never converts a type that",
      "could lose or change values: restore the column's type, or change the dataset's definition to match.",
    ],
  });
}
