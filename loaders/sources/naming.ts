import type { Sql } from "postgres";
import { LabbookError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { TABLE_NAMES, type Naming, type SourceTable } from "./schema.ts";

const ORDER: Naming[] = ["pascal", "snake"];

/** The naming whose events table is on the search path, trying PascalCase first; undefined when neither is. */
export async function findNaming(sql: Sql, table: SourceTable = "behavioralEvent"): Promise<Naming | undefined> {
  for (const naming of ORDER) {
    const [row] = await sql`SELECT to_regclass(${`"${TABLE_NAMES[table][naming]}"`}) IS NOT NULL AS present`;
    if (row?.present) return naming;
  }
  return undefined;
}

/**
 * Finds which naming the database uses, trying PascalCase first, by looking for the events table on the search path.
 */
export async function detectNaming(sql: Sql, log?: Logger, table: SourceTable = "behavioralEvent"): Promise<Naming> {
  const naming = await findNaming(sql, table);
  if (naming) {
    log?.info(`source tables: ${naming} naming ("${TABLE_NAMES[table][naming]}")`);
    return naming;
  }
  const tried = ORDER.map((n) => `"${TABLE_NAMES[table][n]}"`).join(" or ");
  throw new LabbookError(`source tables not found: looked for ${tried} on the search path`, {
    code: "E_SOURCE",
    details: ["Check DATABASE_URL points at the application database, or run `labbook seed` to create demo tables."],
  });
}
