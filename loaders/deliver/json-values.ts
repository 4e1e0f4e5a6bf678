import {
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  JSDuckDBValueConverter,
  type DuckDBResultReader,
  type DuckDBValueConverter,
  type JS,
} from "@duckdb/node-api";

/**
 * A query's rows as JSON-ready objects, the one conversion behind `labbook sql --json` and the report's SQL loaders:
 * - dates as YYYY-MM-DD;
 * - timestamps as ISO 8601 UTC with milliseconds, or microseconds when the value has them (as exports write them);
 * - integers as numbers where they are safe, as decimal strings beyond 2^53;
 * - lists, structs and maps as arrays and objects of the same.
 */
export function jsonRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  return reader.convertRowObjects(converter).map((row) => plain(row) as Record<string, unknown>);
}

const converter: DuckDBValueConverter<JS> = (value, type, self) => {
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue)
    return isoFromMicros(value.micros) ?? value.toString();
  if (value instanceof DuckDBDateValue) return value.toString();
  return JSDuckDBValueConverter(value, type, self);
};

/** ISO 8601 UTC: milliseconds, plus three more digits when the value has microseconds. Undefined beyond a Date. */
function isoFromMicros(micros: bigint): string | undefined {
  const rest = ((micros % 1000n) + 1000n) % 1000n;
  const date = new Date(Number((micros - rest) / 1000n));
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  return rest === 0n ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, "0")}Z`;
}

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
