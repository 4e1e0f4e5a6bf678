import { sourceDatasets, getDataset } from "../../loaders/datasets/index.ts";
import type { Partitioning } from "../../loaders/datasets/define.ts";
import { ingestPostgres, type IngestResult } from "../../loaders/ingest/postgres.ts";
import type { IngestFilters } from "../../loaders/ingest/filters.ts";
import { writePins, type Pins } from "../../loaders/lineage/pins.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { connect } from "../../loaders/sources/postgres.ts";
import { createTestDatabase, type TestDatabase } from "./pg.ts";
import { createProject, type TestProject } from "./project.ts";

/** A project (createProject) with a seeded test database of its own, dropped with the project. */
export interface SeededProject extends TestProject {
  db: TestDatabase;
  /** Ingests one source dataset (or all) into the project's store. `at` pins the clock, hence the lineage eventTime. */
  /** `partitioning` ingests the datasets as if their definitions declared it. */
  ingest(
    name?: string,
    options?: { filters?: IngestFilters; at?: number; full?: boolean; partitioning?: Partitioning },
  ): Promise<IngestResult[]>;
  pin(pins: Pins): Promise<void>;
}

export const SMALL_SEED = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 20, events: 1500, protocolShare: 0.5 };

export async function seededProject(seed: SeedOptions = SMALL_SEED): Promise<SeededProject> {
  const db = await createTestDatabase("deliver");
  await seedDatabase(db.sql, seed, "pascal");
  const project = await createProject({ databaseUrl: db.url });
  const { config } = project;
  return {
    ...project,
    db,
    async ingest(name, options = {}) {
      const defs = name ? [getDataset(name)] : sourceDatasets();
      const database = await connect(config, { max: 1 });
      try {
        const out: IngestResult[] = [];
        for (const def of defs) {
          const at = options.at;
          out.push(
            await ingestPostgres(
              options.partitioning ? { ...def, partitioning: options.partitioning } : def,
              database,
              "pascal",
              config,
              {
                filters: options.filters,
                full: options.full,
                clock: at === undefined ? undefined : () => at,
              },
            ),
          );
        }
        return out;
      } finally {
        await database.close();
      }
    },
    pin: (pins) => writePins(config.lineageDir, pins),
    async remove() {
      await db.drop();
      await project.remove();
    },
  };
}

/** Pins every result under one set. */
export const pinsOf = (set: string, results: IngestResult[]): Pins => ({
  [set]: Object.fromEntries(results.map((r) => [r.dataset, r.version])),
});
