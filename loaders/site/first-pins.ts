import type { Config } from "../config.ts";
import { sourceDatasets } from "../datasets/index.ts";
import { ingestPostgres } from "../ingest/postgres.ts";
import { readPins, writePins } from "../lineage/pins.ts";
import type { Logger } from "../log.ts";
import { seedWhenEmpty } from "../seed/when-empty.ts";
import { detectNaming } from "../sources/naming.ts";
import { withDatabase } from "../sources/postgres.ts";
import { withLock } from "../lock.ts";
import { shortVersion } from "../lineage/version.ts";
import type { Preparation } from "./preparation.ts";

/**
 * A first build on a project with no pins: ingest every source dataset (seeding the embedded database first when it
 * has no source tables) and pin the new versions as `default`. A DATABASE_URL database is never seeded.
 */
export async function createDefaultPins(config: Config, log: Logger, signal?: AbortSignal): Promise<Preparation> {
  log.info(
    `build: nothing is pinned yet; ingesting from ${config.databaseUrl ? "DATABASE_URL" : "the embedded PostgreSQL"}`,
  );
  return withDatabase(
    config,
    async (db) => {
      const seeded = (await seedWhenEmpty(db, { log, signal })) !== undefined;
      const naming = await detectNaming(db.sql, log);
      const versions: Record<string, string> = {};
      for (const def of sourceDatasets()) {
        signal?.throwIfAborted();
        const result = await ingestPostgres(def, db, naming, config, { log, signal });
        versions[def.name] = result.version;
      }
      // The versions just ingested, not the newest by record time: identical bytes keep their first record.
      await withLock(config, async () => {
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
