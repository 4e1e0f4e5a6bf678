import { silentLogger, type Logger } from "../log.ts";
import { findNaming } from "../sources/naming.ts";
import type { Database } from "../sources/postgres.ts";
import { seedDatabase, seedSummary, type SeedResult } from "./load.ts";
import { SEED_COMMAND_OPTIONS, type SeedOptions } from "./plan.ts";

export interface SeedWhenEmptyOptions {
  log?: Logger;
  signal?: AbortSignal;
  /** What to seed; `labbook seed`'s defaults unless given. */
  seed?: SeedOptions;
  clock?: () => number;
}

/**
 * Creates and seeds the application tables, as `labbook seed` would with its defaults, when the embedded server has
 * none, so that a fresh checkout can ingest or build straight away. Returns what was seeded, or undefined when
 * nothing was. A DATABASE_URL database is never touched: its tables are someone's real data.
 */
export async function seedWhenEmpty(db: Database, options: SeedWhenEmptyOptions = {}): Promise<SeedResult | undefined> {
  if (!db.info.embedded || (await findNaming(db.sql))) return undefined;
  const log = options.log ?? silentLogger;
  // Two commands started together on a fresh server must not both seed: the second waits here, then finds tables.
  const lock = await db.sql.reserve();
  try {
    await lock`SELECT pg_advisory_lock(hashtext('labbook.seed'))`;
    if (await findNaming(lock)) return undefined;
    log.info("embedded PostgreSQL: no source tables yet; creating them and seeding demo data (labbook seed)");
    const result = await seedDatabase(
      db.sql,
      options.seed ?? SEED_COMMAND_OPTIONS,
      "pascal",
      log,
      options.clock,
      options.signal,
    );
    log.info(`embedded PostgreSQL: ${seedSummary(result)}`);
    return result;
  } finally {
    await lock`SELECT pg_advisory_unlock(hashtext('labbook.seed'))`.catch(() => {});
    lock.release();
  }
}
