import type { DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll } from "vitest";
import { openDuckDB } from "../../loaders/duckdb.ts";

/**
 * One in-memory DuckDB for the tests of the enclosing describe (or file): opened before them, closed after. Returns
 * a getter, since the connection exists only once the tests run.
 */
export function suiteDuckDB(): () => DuckDBConnection {
  let db: Awaited<ReturnType<typeof openDuckDB>> | undefined;
  beforeAll(async () => {
    db = await openDuckDB();
  });
  afterAll(() => {
    db?.con.closeSync();
    db?.instance.closeSync();
  });
  return () => db!.con;
}
