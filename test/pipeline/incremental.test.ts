import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../loaders/config.ts";
import { getDataset, sourceDatasets } from "../../loaders/datasets/index.ts";
import { ingestPostgres } from "../../loaders/ingest/postgres.ts";
import { runPipeline } from "../../loaders/pipeline/run.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, SEED_EPOCH_MS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { connect, type Database } from "../../loaders/sources/postgres.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

const SEED: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 40, events: 4000, protocolShare: 0.5 };
const DAY = 86_400_000;
const RECENT = ["events_dedup", "daily_user_metrics", "weekly_metrics", "phase_observations"];

describe("labbook run --mode recent", () => {
  let db: TestDatabase;
  let project: TestProject;
  let config: Config;
  let source: Database;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, SEED, "pascal");
    project = await createProject();
    config = { ...project.config, databaseUrl: db.url };
    source = await connect(config);
    for (const def of sourceDatasets()) {
      // The first 30 days of events, as if ingested on day 30; the other tables whole.
      const filters =
        def.name === "behavioral_events" ? { until: new Date(SEED_EPOCH_MS + 30 * DAY).toISOString() } : {};
      await ingestPostgres(def, source, "pascal", config, { filters });
    }
    expect((await runPipeline(config)).failed).toEqual([]);
    // Ten more days arrive.
    await ingestPostgres(getDataset("behavioral_events"), source, "pascal", config);
  });
  afterAll(async () => {
    await source?.close();
    await db?.drop();
    await project?.remove();
  });

  it("recomputes the last N days, merges, and gives the same bytes as a full recompute", async () => {
    const recent = await runPipeline(config, { mode: "recent", days: 14 });
    expect(recent.failed).toEqual([]);
    expect(recent.ran).toEqual([
      "events_dedup",
      "sessions",
      "daily_user_metrics",
      "weekly_metrics",
      "phase_observations",
    ]);
    const byName = Object.fromEntries(recent.stages.map((s) => [s.dataset, s]));
    // The newest event is on day 39, so 14 days reach back to day 26 (a Thursday); weeks to that Monday, day 21.
    for (const name of ["events_dedup", "daily_user_metrics", "phase_observations"]) {
      expect(byName[name]).toMatchObject({ mode: "recent", cutoff: new Date(SEED_EPOCH_MS + 26 * DAY).toISOString() });
    }
    expect(byName.weekly_metrics).toMatchObject({
      mode: "recent",
      cutoff: new Date(SEED_EPOCH_MS + 21 * DAY).toISOString(),
    });
    expect(byName.sessions).toMatchObject({
      mode: "all",
      note: "not day-partitioned, so --mode recent recomputes it in full",
    });

    const full = await runPipeline(config, { mode: "all", force: true });
    expect(full.ran).toEqual(recent.ran);
    for (const name of RECENT) {
      const again = full.stages.find((s) => s.dataset === name)!;
      expect(again.mode).toBe("all");
      expect(again.version, name).toBe(byName[name]!.version);
    }
  });

  it("does nothing afterwards: a recent run records the same fingerprint as a full one", async () => {
    expect((await runPipeline(config, { mode: "recent", days: 3 })).ran).toEqual([]);
  });
});
