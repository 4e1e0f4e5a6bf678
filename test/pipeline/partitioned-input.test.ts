import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../loaders/config.ts";
import { getDataset, sourceDatasets } from "../../loaders/datasets/index.ts";
import { ingestPostgres, type IngestOptions, type IngestResult } from "../../loaders/ingest/postgres.ts";
import { partitionsSummary, type PartitionsFacet } from "../../loaders/ingest/partitions.ts";
import { readRecord } from "../../loaders/lineage/catalog.ts";
import { runPipeline, type RunResult, type StageResult } from "../../loaders/pipeline/run.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, SEED_EPOCH_MS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { connect, type Database } from "../../loaders/sources/postgres.ts";
import { readManifest } from "../../loaders/store/manifest.ts";
import { runCli } from "../util/cli.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

const SEED: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 40, events: 4000, protocolShare: 0.5 };
const DAY = 86_400_000;
const RECENT = ["events_dedup", "daily_user_metrics", "weekly_metrics", "phase_observations"];
const dayOf = (n: number) => new Date(SEED_EPOCH_MS + n * DAY);
const byName = (r: RunResult): Record<string, StageResult> => Object.fromEntries(r.stages.map((s) => [s.dataset, s]));

/** The derived datasets stored as day partitions. */
const PARTITIONED = ["events_dedup"];

/**
 * The pipeline over behavioral_events, which is partitioned by day: its stages read a version made of partitions as one input,
 * and `labbook run --mode recent` after an incremental ingest merges exactly as after a single-object one.
 */
describe("labbook run over a partitioned behavioral_events", () => {
  let db: TestDatabase;
  let project: TestProject;
  let config: Config;
  let source: Database;
  let ingest: (name: string, options?: IngestOptions) => Promise<IngestResult>;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, SEED, "pascal");
    project = await createProject();
    config = { ...project.config, databaseUrl: db.url };
    source = await connect(config);
    ingest = (name, options) => ingestPostgres(getDataset(name), source, "pascal", config, options);
    // Events of the first 30 days only, as if ingested then; the other tables whole.
    for (const def of sourceDatasets())
      await ingest(def.name, def.name === "behavioral_events" ? { filters: { until: dayOf(30).toISOString() } } : {});
    expect((await runPipeline(config)).failed).toEqual([]);
  });
  afterAll(async () => {
    await source?.close();
    await db?.drop();
    await project?.remove();
  });

  it("merges a recent run after an incremental ingest, and gives the bytes of a full recompute", async () => {
    const all = await ingest("behavioral_events");
    expect((await readManifest(config.dataDir, all.version))!.partitions.length).toBeGreaterThan(30);
    // A correction on the newest day: the next ingest writes only that partition.
    await db.sql.unsafe(`UPDATE "BehavioralEvent" SET "timeOfDay" = ("timeOfDay" + 1) % 24
      WHERE id = (SELECT id FROM "BehavioralEvent" ORDER BY "timestamp" DESC, id LIMIT 1)`);
    const changed = await ingest("behavioral_events");
    expect(changed.partitions).toMatchObject({ written: 1 });

    const recent = await runPipeline(config, { mode: "recent", days: 14 });
    expect(recent.failed).toEqual([]);
    const stages = byName(recent);
    for (const name of ["events_dedup", "daily_user_metrics", "phase_observations"])
      expect(stages[name]).toMatchObject({ mode: "recent", note: undefined });

    const full = await runPipeline(config, { mode: "all", force: true });
    expect(full.failed).toEqual([]);
    for (const stage of full.stages.filter((s) => RECENT.includes(s.dataset)))
      expect(stage.version, stage.dataset).toBe(stages[stage.dataset]!.version);
  });

  it("after a change of an old day's events, rewrites only that day's partitions of the partitioned stages", async () => {
    // One scored event of the fourth day gets another score: that day of events_dedup changes.
    const [target] = await db.sql<{ id: string; timestamp: Date }[]>`SELECT id, "timestamp" FROM "BehavioralEvent"
      WHERE "timestamp" >= ${dayOf(3)} AND "timestamp" < ${dayOf(4)} AND "sessionPerformanceScore" IS NOT NULL
      ORDER BY id LIMIT 1`;
    const day = target!.timestamp.toISOString().slice(0, 10);
    await db.sql`UPDATE "BehavioralEvent"
      SET "sessionPerformanceScore" = CASE WHEN "sessionPerformanceScore" > 0 THEN "sessionPerformanceScore" - 1 ELSE 1 END
      WHERE id = ${target!.id}`;
    expect((await ingest("behavioral_events")).partitions).toMatchObject({ written: 1 });

    const run = await runPipeline(config);
    expect(run.failed).toEqual([]);
    const stages = byName(run);
    const facets: Record<string, PartitionsFacet> = {};
    for (const name of PARTITIONED) {
      expect(stages[name], name).toMatchObject({ status: "ran", newVersion: true });
      const record = await readRecord(config.lineageDir, name, stages[name]!.version!);
      const facet = (facets[name] = record.run.facets.labbook_partitions as PartitionsFacet);
      expect(facet.partitions.length, name).toBeGreaterThan(20);
      const written = facet.partitions.filter((p) => p.status === "written").map((p) => p.key);
      expect(written).toEqual([day]);
      expect(stages[name]!.partitions).toEqual({
        written: written.length,
        reused: facet.partitions.length - written.length,
      });
      expect(facet.base).toBe(stages[name]!.previousVersion);
    }
    const show = await runCli(["show", `events_dedup@${stages.events_dedup!.version!.slice(7, 19)}`], project.env);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stderr).toContain(`: ${partitionsSummary(facets.events_dedup!)}`);
    expect(partitionsSummary(facets.events_dedup!)).toMatch(/^1 of \d+ partitions written, \d+ reused$/);
    // verify reads the stage's versions through their manifests, and finds every partition they share intact.
    const verify = await runCli(["verify", "events_dedup"], project.env);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);

    // A full recompute of every day gives the very same versions.
    const full = await runPipeline(config, { force: true });
    expect(full.failed).toEqual([]);
    for (const name of PARTITIONED) {
      const stage = byName(full)[name]!;
      expect(stage.version, name).toBe(stages[name]!.version);
      expect(stage.partitions, name).toEqual({ written: facets[name]!.partitions.length, reused: 0 });
    }
  });
});
