import type { Sql } from "postgres";
import { TABLE_NAMES, type Naming } from "../../loaders/sources/schema.ts";

/** The four quoted table names of a naming, for SQL text in tests (the names are constants, never user input). */
export function tables(naming: Naming) {
  const q = (name: string) => `"${name}"`;
  return {
    events: q(TABLE_NAMES.behavioralEvent[naming]),
    protocols: q(TABLE_NAMES.experimentProtocol[naming]),
    phases: q(TABLE_NAMES.phaseAssignment[naming]),
    context: q(TABLE_NAMES.contextMetadata[naming]),
  };
}

/** One md5 over every row of the four tables, each ordered by id: equal checksums mean byte-equal data. */
export async function checksum(sql: Sql, naming: Naming): Promise<string> {
  const parts = Object.values(tables(naming)).map(
    (t) => `(SELECT coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r.id)), '') FROM ${t} r)`,
  );
  const [row] = await sql.unsafe<{ sum: string }[]>(`SELECT md5(${parts.join(" || ")}) AS sum`);
  return row!.sum;
}
