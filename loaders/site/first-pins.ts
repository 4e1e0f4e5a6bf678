import type { Config } from "../config.ts";
import { sourceDatasets } from "../datasets/index.ts";
import { ingestPostgres } from "../ingest/postgres.ts";
import { readPins, writePins } from "../lineage/pins.ts";
import type { Logger } from "../log.ts";
import { seedDatabase } from "../seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../seed/plan.ts";
import { detectNaming } from "../sources/naming.ts";
import { withDatabase, type Database } from "../sources/postgres.ts";
import { TABLE_NAMES } from "../sources/schema.ts";
import { withLock } from "../store/lock.ts";
import { shortVersion } from "../store/version.ts";
import type { Preparation } from "./prepare.ts";

/**
 * A first build on a project with no pins: ingest every source dataset (seeding the embedded database first when it
 * has no events) and pin the new versions as `default`. A DATABASE_URL database is never seeded.
 */
export async function createDefaultPins(config: Config, log: Logger, signal?: AbortSignal): Promise<Preparation> {
  log.info(
    `build: nothing is pinned yet; ingesting from ${config.databaseUrl ? "DATABASE_URL" : "the embedded PostgreSQL"}`,
  );
  return withDatabase(
    config,
    async (db) => {
      const seeded = !config.databaseUrl && !(await hasSourceRows(db));
      if (seeded) {
        log.info("build: the embedded database is empty; seeding demo data (labbook seed)");
        await seedDatabase(db.sql, DEFAULT_SEED_OPTIONS, "pascal", log, Date.now, signal);
      }
      const naming = await detectNaming(db.sql, log);
      const versions: Record<string, string> = {};
      for (const def of sourceDatasets()) {
        signal?.throwIfAborted();
        const result = await ingestPostgres(def, db, naming, config, { log, signal });
        versions[def.name] = result.version;
      }
      // The versions just ingested, not the newest by record time: identical bytes keep their first record.
      await withLock(config.dataDir, async () => {
        const current = await readPins(config.lineageDir);
        // Another process may have pinned meanwhile: its pins win.
        if (!current.default) await writePins(config.lineageDir, { ...current, default: versions });
      });
      log.info(
        `build: pinned "default": ${Object.entries(versions)
          .map(([d, v]) => `${d}@${shortVersion(v)}`)
          .join(", ")}`,
      );
      return { action: "created", seeded, versions };
    },
    { log },
  );
}

/** Whether the application's events table exists and holds a row, in either naming. */
async function hasSourceRows(db: Database): Promise<boolean> {
  for (const name of Object.values(TABLE_NAMES.behavioralEvent)) {
    const [row] = await db.sql`SELECT to_regclass(${`"${name}"`}) IS NOT NULL AS present`;
    if (!row?.present) continue;
    const [any] = await db.sql`SELECT EXISTS (SELECT 1 FROM ${db.sql(name)}) AS any`;
    if (any?.any) return true;
  }
  return false;
}
