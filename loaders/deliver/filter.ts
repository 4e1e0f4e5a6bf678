import { quoteIdent } from "../sql-quote.ts";
import { usageError } from "../errors.ts";
import { parseIsoTime } from "../iso-time.ts";
import { kindOf, type ColumnKind, type DeliverySource } from "./source.ts";

/** `--filter column=v1,v2`: keep rows whose column equals one of the values. Several filters all apply. */
export interface FilterSpec {
  column: string;
  values: string[];
}

/** A WHERE clause with `$n` placeholders and the values to bind, in order. Values never become SQL text. */
export interface BoundFilter {
  where: string;
  params: string[];
}

/** Parses "column=v1,v2". A comma inside a value is written `\,`. */
export function parseFilter(arg: string): FilterSpec {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw usageError(`--filter takes column=value[,value…], got "${arg}"`);
  const values = arg
    .slice(eq + 1)
    .split(/(?<!\\),/)
    .map((v) => v.replaceAll("\\,", ","));
  return { column: arg.slice(0, eq), values };
}

const INT64_MAX = 2n ** 63n - 1n;

// The SQL type each value is cast to after binding: a fixed list, never text from the Parquet file.
const castType: Partial<Record<ColumnKind, string>> = {
  timestamp: "TIMESTAMPTZ",
  date: "DATE",
  integer: "BIGINT",
  float: "DOUBLE",
  boolean: "BOOLEAN",
  text: "VARCHAR",
};

/** Checks each filter against the version's columns and types, and binds its values. */
export function bindFilters(specs: FilterSpec[], source: DeliverySource, firstParam = 1): BoundFilter {
  const params: string[] = [];
  const clauses = specs.map((spec) => {
    const column = source.columns.find((c) => c.name === spec.column);
    if (!column) {
      throw usageError(`unknown column "${spec.column}" in --filter for ${source.dataset}`, [
        `Valid columns: ${source.columns.map((c) => c.name).join(", ")}.`,
      ]);
    }
    const kind = kindOf(column.type);
    const type = castType[kind];
    if (!type) throw usageError(`--filter cannot compare ${column.type} column "${column.name}"`);
    const placeholders = spec.values.map((raw) => {
      params.push(coerce(raw, kind, column.name, source.enums[column.name]));
      return `CAST($${firstParam + params.length - 1} AS ${type})`;
    });
    return `${quoteIdent(column.name)} IN (${placeholders.join(", ")})`;
  });
  return { where: clauses.join(" AND "), params };
}

/** Validates one value for its column's type and returns it normalised, as the text that is bound. */
function coerce(raw: string, kind: ColumnKind, column: string, accepted?: readonly string[]): string {
  const bad = (expected: string) =>
    usageError(
      `--filter ${column}: "${raw}" is not ${expected}`,
      accepted ? [`Accepted: ${accepted.join(", ")}.`] : [],
    );
  switch (kind) {
    case "integer":
      if (!/^-?\d+$/.test(raw) || BigInt(raw) > INT64_MAX || BigInt(raw) < -INT64_MAX - 1n) throw bad("a whole number");
      return raw;
    case "float":
      if (raw.trim() === "" || !Number.isFinite(Number(raw))) throw bad("a number");
      return String(Number(raw));
    case "boolean":
      if (!/^(true|false)$/i.test(raw)) throw bad("true or false");
      return raw.toLowerCase();
    case "date":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || parseIsoTime(raw) === undefined) throw bad("a date (YYYY-MM-DD)");
      return raw;
    case "timestamp": {
      const t = parseIsoTime(raw);
      if (t === undefined) throw bad("an ISO 8601 timestamp");
      return t;
    }
    default:
      if (accepted && !accepted.includes(raw)) throw bad(`an accepted value`);
      return raw;
  }
}
