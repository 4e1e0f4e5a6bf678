import type { DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../sql-quote.ts";
import { queryRows } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";

/** An Iceberg primitive type, as the table metadata spells it ("long", "timestamptz", "decimal(9,2)"). */
export type IcebergType = string;

export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
}

export interface IcebergSchema {
  type: "struct";
  "schema-id": number;
  fields: IcebergField[];
}

/** One top-level column of a Parquet file, as its footer describes it. */
export interface FileColumn {
  name: string;
  type: IcebergType;
  /** The Parquet field id, when the writer stored one (versions written since labbook numbered their columns). */
  fieldId: number | undefined;
}

/** A row of DuckDB's parquet_schema(): one Parquet schema element. */
interface SchemaElement {
  name: string;
  type: string | null;
  num_children: bigint | number | null;
  converted_type: string | null;
  logical_type: string | null;
  scale: bigint | number | null;
  precision: bigint | number | null;
  field_id: bigint | number | null;
}

/** The top-level columns of a Parquet file, with their Iceberg types and field ids, from its footer alone. */
export async function fileColumns(con: DuckDBConnection, file: string, where: string): Promise<FileColumn[]> {
  const rows = await queryRows<SchemaElement>(
    con,
    `SELECT name, type, num_children, converted_type, logical_type, scale, precision, field_id
     FROM parquet_schema(${sqlString(file)})`,
  );
  // The first element is the root; the columns follow. Labbook's rows are flat.
  return rows.slice(1).map((e) => {
    if (Number(e.num_children ?? 0) > 0) throw unsupported(where, e.name, "nested (a struct, list or map)");
    return { name: e.name, type: icebergType(e, where), fieldId: e.field_id === null ? undefined : Number(e.field_id) };
  });
}

/**
 * The Iceberg type that reads a Parquet column exactly: INT32 is int and INT64 long, as the file holds them; a UTC
 * microsecond timestamp (DuckDB's TIMESTAMPTZ) is timestamptz; JSON is kept as its text, a string.
 */
export function icebergType(e: Omit<SchemaElement, "num_children" | "field_id">, where: string): IcebergType {
  const converted = e.converted_type ?? "";
  const logical = e.logical_type ?? "";
  if (converted === "DECIMAL") return `decimal(${Number(e.precision)},${Number(e.scale)})`;
  const timestamp = logical.startsWith("TimestampType") || converted.startsWith("TIMESTAMP");
  switch (e.type) {
    case "BOOLEAN":
      return "boolean";
    case "INT32":
      if (converted === "DATE") return "date";
      if (converted === "" || converted === "INT_32" || converted === "INT_16" || converted === "INT_8") return "int";
      if (converted === "UINT_8" || converted === "UINT_16") return "int";
      if (converted === "UINT_32") return "long";
      break;
    case "INT64":
      if (timestamp) {
        // Iceberg v2 timestamps are microseconds; a file's legacy TIMESTAMP_MICROS alone means adjusted to UTC.
        const micros = logical ? /MICROS=MicroSeconds/.test(logical) : converted === "TIMESTAMP_MICROS";
        if (!micros) break;
        return !logical || /isAdjustedToUTC=(1|true)/.test(logical) ? "timestamptz" : "timestamp";
      }
      if (converted === "TIME_MICROS") return "time";
      if (converted === "" || converted === "INT_64") return "long";
      break;
    case "FLOAT":
      return "float";
    case "DOUBLE":
      return "double";
    case "BYTE_ARRAY":
      if (["UTF8", "JSON", "ENUM"].includes(converted) || logical.startsWith("StringType")) return "string";
      if (converted === "" && !logical) return "binary";
      break;
    case "FIXED_LEN_BYTE_ARRAY":
      if (logical.startsWith("UUIDType")) return "uuid";
      break;
  }
  throw unsupported(where, e.name, `${e.type} ${converted || logical}`.trim());
}

function unsupported(where: string, column: string, what: string): LabbookError {
  return new LabbookError(
    `cannot describe ${where} as an Iceberg table: column "${column}" is ${what}, which Iceberg v2 has no type for`,
    { code: "E_VALIDATION" },
  );
}

/**
 * A table's field ids by column name, over all its versions. A column keeps its id; a new one takes the next. Files
 * with field ids bring their own (DuckDB numbers columns from 0, so a column set that never changed keeps the same
 * ids either way); files without are mapped by name through `schema.name-mapping.default`.
 */
export interface FieldIds {
  byName: Map<string, number>;
  /** The highest id given out: the table's last-column-id. */
  last: number;
}

/** The ids the schemas of a table's metadata already give out, oldest schema first. */
export function fieldIdsOf(schemas: IcebergSchema[], lastColumnId: number): FieldIds {
  const byName = new Map<string, number>();
  for (const s of schemas) for (const f of s.fields) if (!byName.has(f.name)) byName.set(f.name, f.id);
  return { byName, last: lastColumnId };
}

/**
 * The Iceberg fields of one version. Its columns keep the ids its file holds; columns of a file without ids take
 * their table ids. `conflicts` names the columns whose file ids mean another column elsewhere in the table: readers
 * must then read that version's snapshot with its own schema, as Iceberg's time travel does.
 */
export function versionFields(columns: FileColumn[], ids: FieldIds): { fields: IcebergField[]; conflicts: string[] } {
  const conflicts: string[] = [];
  const taken = new Map([...ids.byName].map(([name, id]) => [id, name]));
  const fields = columns.map((c) => {
    let id = c.fieldId;
    if (id === undefined) id = ids.byName.get(c.name) ?? ++ids.last;
    else if ((ids.byName.has(c.name) && ids.byName.get(c.name) !== id) || (taken.has(id) && taken.get(id) !== c.name))
      conflicts.push(c.name);
    if (!ids.byName.has(c.name) && !taken.has(id)) {
      ids.byName.set(c.name, id);
      taken.set(id, c.name);
    }
    ids.last = Math.max(ids.last, id);
    return { id, name: c.name, required: false, type: c.type };
  });
  return { fields, conflicts };
}

/** `schema.name-mapping.default`: how a reader finds each field id's column in a file without ids, by its name. */
export function nameMapping(ids: FieldIds): string {
  const entries = [...ids.byName].sort((a, b) => a[1] - b[1]).map(([name, id]) => ({ "field-id": id, names: [name] }));
  return JSON.stringify(entries);
}
