import { getTableConfig, PgEnumColumn, type PgTable } from "drizzle-orm/pg-core";
import { quoteIdent as q, sqlString as lit } from "../sql-quote.ts";
import { appSchema, pgEnums, TABLE_NAMES, type Naming } from "./schema.ts";

export interface SchemaSql {
  /** Enum types and tables, without keys or indexes. */
  tables: string[];
  /** Primary keys and indexes: run after a bulk load, which is faster than loading into indexed tables. */
  constraints: string[];
}

/** DDL for the application tables, generated from the drizzle definitions so there is no second list of columns. */
export function createSchemaSql(naming: Naming, options: { enumTypes?: boolean } = {}): SchemaSql {
  const schema = appSchema(naming, options);
  const statements: string[] = [];
  const constraints: string[] = [];
  const usesEnums = Object.values(schema).some((t) => getTableConfig(t).columns.some((c) => c instanceof PgEnumColumn));
  if (usesEnums) {
    for (const e of Object.values(pgEnums)) {
      // CREATE TYPE has no IF NOT EXISTS; a DO block keeps the DDL re-runnable.
      statements.push(
        `DO $$ BEGIN CREATE TYPE ${q(e.enumName)} AS ENUM (${e.enumValues.map(lit).join(", ")}); ` +
          `EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
      );
    }
  }
  for (const table of Object.values(schema)) {
    const { create, keys } = tableSql(table);
    statements.push(create);
    constraints.push(...keys);
  }
  return { tables: statements, constraints };
}

/**
 * Drops the application tables in both namings, then the enum types: a seed replaces earlier demo data whichever
 * naming made it, or naming detection (PascalCase first) would go on finding the old tables.
 */
export function dropSchemaSql(): string[] {
  const tables = Object.values(TABLE_NAMES).flatMap((names) => Object.values(names));
  return [
    ...tables.map((name) => `DROP TABLE IF EXISTS ${q(name)}`),
    ...Object.values(pgEnums).map((e) => `DROP TYPE IF EXISTS ${q(e.enumName)}`),
  ];
}

function tableSql(table: PgTable): { create: string; keys: string[] } {
  const { name, columns, indexes } = getTableConfig(table);
  const defs = columns.map((c) => {
    // drizzle prints enum types unquoted, which folds Prisma's PascalCase type names to lower case.
    const type = c instanceof PgEnumColumn ? q(c.enum.enumName) : c.getSQLType();
    return `${q(c.name)} ${type}${c.notNull ? " NOT NULL" : ""}`;
  });
  const keys = columns.filter((c) => c.primary).map((c) => `ALTER TABLE ${q(name)} ADD PRIMARY KEY (${q(c.name)})`);
  for (const idx of indexes) {
    const cols = idx.config.columns.map((c) => q((c as { name: string }).name)).join(", ");
    keys.push(`CREATE INDEX IF NOT EXISTS ${q(idx.config.name!)} ON ${q(name)} (${cols})`);
  }
  return { create: `CREATE TABLE IF NOT EXISTS ${q(name)} (\n  ${defs.join(",\n  ")}\n)`, keys };
}
