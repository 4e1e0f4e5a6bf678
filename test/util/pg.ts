import { randomBytes } from "node:crypto";
import postgres, { type Sql } from "postgres";
import { inject } from "vitest";

export interface TestDatabase {
  /** Connection URL of the new database, credentials included. */
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** Creates a fresh database on the suite's server, so tests never share tables. */
export async function createTestDatabase(prefix = "t"): Promise<TestDatabase> {
  const serverUrl = inject("pgUrl");
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {}, connection: { TimeZone: "UTC" } });
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 2 });
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Runs `fn` with a fresh database that is dropped afterwards. */
export async function withTestDatabase<T>(fn: (db: TestDatabase) => Promise<T>, prefix?: string): Promise<T> {
  const db = await createTestDatabase(prefix);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}
