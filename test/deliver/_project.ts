import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadConfig, type Config } from "../../loaders/config.ts";
import { sourceDatasets, getDataset } from "../../loaders/datasets/index.ts";
import type { Partitioning } from "../../loaders/datasets/define.ts";
import { ingestPostgres, type IngestResult } from "../../loaders/ingest/postgres.ts";
import type { IngestFilters } from "../../loaders/ingest/filters.ts";
import { writePins, type Pins } from "../../loaders/lineage/pins.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { connect } from "../../loaders/sources/postgres.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";

const run = promisify(execFile);

/** An isolated labbook project: its own data/ and lineage/ under a temp root, and a seeded test database. */
export interface TestProject {
  root: string;
  env: Record<string, string>;
  config: Config;
  db: TestDatabase;
  /** Ingests one source dataset (or all) into the project's store. `at` pins the clock, hence the lineage eventTime. */
  /** `partitioning` ingests the datasets as if their definitions declared it. */
  ingest(
    name?: string,
    options?: { filters?: IngestFilters; at?: number; full?: boolean; partitioning?: Partitioning },
  ): Promise<IngestResult[]>;
  pin(pins: Pins): Promise<void>;
  /** Runs git in the project root (a repository after `git("init")`), with a fixed identity. */
  git(...args: string[]): Promise<string>;
  dispose(): Promise<void>;
}

export const SMALL_SEED = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 20, events: 1500, protocolShare: 0.5 };

export async function createTestProject(seed: SeedOptions = SMALL_SEED): Promise<TestProject> {
  const root = await mkdtemp(path.join(tmpdir(), "labbook-deliver-"));
  const db = await createTestDatabase("deliver");
  await seedDatabase(db.sql, seed, "pascal");
  const env = {
    LABBOOK_ROOT: root,
    LABBOOK_DATA_DIR: path.join(root, "data"),
    LABBOOK_LINEAGE_DIR: path.join(root, "lineage"),
    DATABASE_URL: db.url,
    LABBOOK_PINS: "default",
    DUCKDB_DB_PATH: path.join(root, "data", "duckdb", "analytics.duckdb"),
  };
  const config = loadConfig(env, root);
  return {
    root,
    env,
    config,
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
    git: async (...args) =>
      (
        await run(
          "git",
          ["-c", "user.name=labbook test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", ...args],
          { cwd: root },
        )
      ).stdout.trim(),
    async dispose() {
      await db.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Pins every result under one set. */
export const pinsOf = (set: string, results: IngestResult[]): Pins => ({
  [set]: Object.fromEntries(results.map((r) => [r.dataset, r.version])),
});
