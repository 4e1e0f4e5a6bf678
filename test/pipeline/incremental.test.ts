import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../loaders/config.ts";
import { getDataset, sourceDatasets } from "../../loaders/datasets/index.ts";
import { ingestPostgres, type IngestOptions, type IngestResult } from "../../loaders/ingest/postgres.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { runPipeline, type RunResult, type StageResult } from "../../loaders/pipeline/run.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, SEED_EPOCH_MS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { connect, type Database } from "../../loaders/sources/postgres.ts";
import { objectPath } from "../../loaders/store/objects.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

const SEED: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 40, events: 4000, protocolShare: 0.5 };
const DAY = 86_400_000;
const RECENT = ["events_dedup", "daily_user_metrics", "weekly_metrics", "phase_observations"];
const STAGES = ["events_dedup", "sessions", "daily_user_metrics", "weekly_metrics", "phase_observations"];

const dayOf = (n: number) => new Date(SEED_EPOCH_MS + n * DAY);
const byName = (r: RunResult): Record<string, StageResult> => Object.fromEntries(r.stages.map((s) => [s.dataset, s]));

/** A seeded database and a project whose pipeline ran once over every source (events: the first days only). */
interface Setup {
  db: TestDatabase;
  project: TestProject;
  config: Config;
  source: Database;
  ingest(name: string, options?: IngestOptions): Promise<IngestResult>;
  remove(): Promise<void>;
}

async function setup(firstEventDays?: number): Promise<Setup> {
  const db = await createTestDatabase();
  await seedDatabase(db.sql, SEED, "pascal");
  const project = await createProject();
  const config = { ...project.config, databaseUrl: db.url };
  const source = await connect(config);
  const ingest = (name: string, options?: IngestOptions) =>
    ingestPostgres(getDataset(name), source, "pascal", config, options);
  for (const def of sourceDatasets()) {
    // With firstEventDays, only the first days of events, as if ingested on that day; the other tables whole.
    const until = def.name === "behavioral_events" && firstEventDays ? dayOf(firstEventDays).toISOString() : undefined;
    await ingest(def.name, until ? { filters: { until } } : {});
  }
  expect((await runPipeline(config)).failed).toEqual([]);
  return {
    db,
    project,
    config,
    source,
    ingest,
    async remove() {
      await source.close();
      await db.drop();
      await project.remove();
    },
  };
}

/** Runs every stage in full and expects each recent stage to reproduce the version the recent run made. */
async function expectFullRecomputeEquals(config: Config, recent: RunResult): Promise<void> {
  const full = await runPipeline(config, { mode: "all", force: true });
  expect(full.failed).toEqual([]);
  const made = byName(recent);
  for (const stage of full.stages.filter((s) => RECENT.includes(s.dataset))) {
    expect(stage.mode).toBe("all");
    expect(stage.version, stage.dataset).toBe(made[stage.dataset]!.version);
  }
}

describe("labbook run --mode recent: merging", () => {
  let s: Setup;
  beforeAll(async () => {
    // The pipeline first ran over the first 30 days of events; then ten more days arrive.
    s = await setup(30);
    await s.ingest("behavioral_events");
  });
  afterAll(() => s?.remove());

  it("recomputes the last N days, merges, and gives the same bytes as a full recompute", async () => {
    const recent = await runPipeline(s.config, { mode: "recent", days: 14 });
    expect(recent.failed).toEqual([]);
    expect(recent.ran).toEqual(STAGES);
    const stages = byName(recent);
    // The newest event is on day 39, so 14 days reach back to day 26 (a Thursday); weeks to that Monday, day 21.
    // Days 0-29 were in the previous run, so the rows before either cutoff are the same in old and new inputs.
    for (const name of ["events_dedup", "daily_user_metrics", "phase_observations"]) {
      expect(stages[name]).toMatchObject({ mode: "recent", cutoff: dayOf(26).toISOString(), note: undefined });
    }
    expect(stages.weekly_metrics).toMatchObject({ mode: "recent", cutoff: dayOf(21).toISOString(), note: undefined });
    expect(stages.sessions).toMatchObject({
      mode: "all",
      note: "not day-partitioned, so --mode recent recomputes it in full",
    });
    await expectFullRecomputeEquals(s.config, recent);
  });

  it("does nothing afterwards: a recent run records the same fingerprint as a full one", async () => {
    expect((await runPipeline(s.config, { mode: "recent", days: 3 })).ran).toEqual([]);
  });
});

describe("labbook run --mode recent: falling back to a full recompute", () => {
  it("recomputes in full when --days does not reach back to the previous run's newest data", async () => {
    const s = await setup(30);
    try {
      await s.ingest("behavioral_events");
      // Days 30-39 are new, but 3 days reach back only to day 37 (weeks: to Monday, day 35). Merging would keep the
      // previous version's rows before the cutoff, which lack days 30-36.
      const recent = await runPipeline(s.config, { mode: "recent", days: 3 });
      expect(recent.failed).toEqual([]);
      expect(recent.ran).toEqual(STAGES);
      const day37 = dayOf(37).toISOString().slice(0, 10);
      const day35 = dayOf(35).toISOString().slice(0, 10);
      const notes = Object.fromEntries(RECENT.map((n) => [n, byName(recent)[n]!.note]));
      // events_dedup, stored as day partitions, recomputes the changed days before the cutoff as well, and merges.
      expect(notes).toEqual({
        events_dedup: undefined,
        daily_user_metrics: `events_dedup changed before the cutoff ${day37}; recomputed in full`,
        weekly_metrics: `daily_user_metrics changed before the cutoff ${day35}; recomputed in full`,
        phase_observations: `events_dedup changed before the cutoff ${day37}; recomputed in full`,
      });
      for (const name of ["daily_user_metrics", "weekly_metrics", "phase_observations"])
        expect(byName(recent)[name]).toMatchObject({ mode: "all", cutoff: undefined });
      expect(byName(recent).events_dedup).toMatchObject({ mode: "recent", cutoff: `${day37}T00:00:00.000Z` });
      // Days 30-39: the new days, the three from the cutoff among them.
      expect(byName(recent).events_dedup!.partitions?.written).toBe(10);
      // The lineage says so too, and a plain run then has nothing to do because nothing was lost.
      const [latest] = await listVersions(s.config.lineageDir, "phase_observations");
      expect(latest!.record.run.facets.labbook_stage).toMatchObject({ mode: "all", note: notes.phase_observations });
      expect((await runPipeline(s.config)).ran).toEqual([]);
      await expectFullRecomputeEquals(s.config, recent);
    } finally {
      await s.remove();
    }
  });

  it("recomputes in full when an input read whole (phase_assignments) changed", async () => {
    const s = await setup();
    try {
      const before = byName(await runPipeline(s.config, { dryRun: true }));
      const oldPhases = (await listVersions(s.config.lineageDir, "phase_assignments"))[0]!.version;
      // Relabel every phase ("baseline_1" → "baseline_10"): old days' rows change though no event did.
      await s.db.sql`UPDATE "PhaseAssignment" SET "phaseLabel" = "phaseLabel" || '0'`;
      const newPhases = await s.ingest("phase_assignments");
      expect(newPhases.version).not.toBe(oldPhases);

      const recent = await runPipeline(s.config, { mode: "recent", days: 14 });
      expect(recent.failed).toEqual([]);
      expect(recent.ran).toEqual(["daily_user_metrics", "weekly_metrics", "phase_observations"]);
      const stages = byName(recent);
      const why =
        `phase_assignments changed since the previous run (${shortVersion(oldPhases)} → ` +
        `${shortVersion(newPhases.version)}) and every day reads it; recomputed in full`;
      expect(stages.daily_user_metrics).toMatchObject({ mode: "all", note: why });
      expect(stages.phase_observations).toMatchObject({ mode: "all", note: why });
      const weekStart = dayOf(21).toISOString().slice(0, 10);
      expect(stages.weekly_metrics).toMatchObject({
        mode: "all",
        note: `daily_user_metrics changed before the cutoff ${weekStart}; recomputed in full`,
      });
      for (const name of ["daily_user_metrics", "phase_observations"]) {
        expect(stages[name]!.version).not.toBe(before[name]!.version);
      }
      await expectFullRecomputeEquals(s.config, recent);
    } finally {
      await s.remove();
    }
  });

  it("recomputes in full when the previous run's version of a windowed input is gone from the store", async () => {
    const s = await setup(30);
    try {
      const oldSessions = (await listVersions(s.config.lineageDir, "sessions"))[0]!.version;
      await s.ingest("behavioral_events");
      await rm(objectPath(s.config.dataDir, oldSessions));

      const recent = await runPipeline(s.config, { mode: "recent", days: 14 });
      expect(recent.failed).toEqual([]);
      const stages = byName(recent);
      expect(stages.daily_user_metrics).toMatchObject({
        mode: "all",
        note:
          `the previous run's sessions@${shortVersion(oldSessions)} is not in the store, so its rows before ` +
          "the cutoff cannot be compared; recomputed in full",
      });
      // The others can still compare their inputs' old and new versions, which agree before the cutoff.
      expect(stages.events_dedup).toMatchObject({ mode: "recent", cutoff: dayOf(26).toISOString() });
      expect(stages.phase_observations).toMatchObject({ mode: "recent", cutoff: dayOf(26).toISOString() });
      expect(stages.weekly_metrics).toMatchObject({ mode: "recent", cutoff: dayOf(21).toISOString() });
      await expectFullRecomputeEquals(s.config, recent);
    } finally {
      await s.remove();
    }
  });
});
