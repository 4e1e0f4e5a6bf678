import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../loaders/config.ts";
import { datasets, getDataset, sourceDatasets, type DatasetDef } from "../../loaders/datasets/index.ts";
import { quoteIdent } from "../../loaders/sql-quote.ts";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { ingestPostgres } from "../../loaders/ingest/postgres.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { runPipeline, type RunResult } from "../../loaders/pipeline/run.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { phaseObservations, READ_PHASE_OBSERVATIONS_SQL } from "../../loaders/datasets/phase-observations.ts";
import { castSelect } from "../../loaders/pipeline/stage-common.ts";
import { connect, type Database } from "../../loaders/sources/postgres.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { tmpDir } from "../../loaders/store/objects.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

const SEED: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 40, events: 4000, protocolShare: 0.5 };
const STAGES = ["events_dedup", "sessions", "daily_user_metrics", "weekly_metrics", "phase_observations"];

const status = (r: RunResult) => Object.fromEntries(r.stages.map((s) => [s.dataset, s.status]));
const latest = async (config: Config, name: string) => (await listVersions(config.lineageDir, name))[0]!;

/** The registry with one stage's SQL rewritten. */
function withSql(name: string, edit: (sql: string) => string): DatasetDef[] {
  return datasets.map((d) => {
    if (d.name !== name) return d;
    const sql = edit(d.derive!.sql);
    expect(sql).not.toBe(d.derive!.sql);
    return { ...d, derive: { ...d.derive!, sql } };
  });
}

describe("labbook run: staleness", () => {
  let db: TestDatabase;
  let project: TestProject;
  let config: Config;
  let source: Database;
  const ingest = (name: string) => ingestPostgres(getDataset(name), source, "pascal", config);

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, SEED, "pascal");
    project = await createProject();
    config = { ...project.config, databaseUrl: db.url };
    source = await connect(config);
    for (const def of sourceDatasets()) await ingest(def.name);
  });
  afterAll(async () => {
    await source?.close();
    await db?.drop();
    await project?.remove();
  });

  it("first runs every stage, each version's lineage naming the exact input versions", async () => {
    const result = await runPipeline(config);
    expect(result.failed).toEqual([]);
    expect(result.ran).toEqual(STAGES);
    for (const name of STAGES) {
      const entry = await latest(config, name);
      expect(entry.job).toBe(`run.${name}`);
      const inputs = entry.record.inputs as {
        namespace: string;
        name: string;
        facets: { version: { datasetVersion: string } };
      }[];
      expect(inputs.map((i) => i.name)).toEqual(getDataset(name).derive!.inputs);
      for (const input of inputs) {
        expect(input.namespace).toBe("labbook");
        expect(input.facets.version.datasetVersion).toBe((await latest(config, input.name)).version);
      }
      const stage = entry.record.run.facets.labbook_stage as { fingerprint: string; inputs: Record<string, string> };
      expect(stage.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(Object.values(stage.inputs)).toEqual(inputs.map((i) => i.facets.version.datasetVersion));
    }
    expect(result.stages.find((s) => s.dataset === "events_dedup")!.summary).toEqual({ dropped: 0 });
  });

  it("does nothing on a second run", async () => {
    const before = await Promise.all(STAGES.map((n) => listVersions(config.lineageDir, n)));
    const result = await runPipeline(config);
    expect(result.ran).toEqual([]);
    expect(Object.values(status(result))).toEqual(STAGES.map(() => "up-to-date"));
    expect(await Promise.all(STAGES.map((n) => listVersions(config.lineageDir, n)))).toEqual(before);
  });

  it("does nothing after re-ingesting identical source data", async () => {
    for (const def of sourceDatasets()) expect((await ingest(def.name)).stored).toBe(false);
    expect((await runPipeline(config)).ran).toEqual([]);
  });

  it("re-runs exactly the dependents of a changed source", async () => {
    await db.sql`UPDATE "PhaseAssignment" SET "phaseLabel" = 'baseline_1b' WHERE "phaseLabel" = 'baseline_1'`;
    const changed = await ingest("phase_assignments");
    expect(changed.stored).toBe(true);

    const plan = await runPipeline(config, { dryRun: true });
    expect(status(plan)).toEqual({
      events_dedup: "up-to-date",
      sessions: "up-to-date",
      daily_user_metrics: "would-run",
      weekly_metrics: "pending",
      phase_observations: "would-run",
    });
    const daily = plan.stages.find((s) => s.dataset === "daily_user_metrics")!;
    expect(daily.why).toEqual([
      expect.stringMatching(/^input changed: phase_assignments \([0-9a-f]{12} → [0-9a-f]{12}\)$/),
    ]);
    expect(plan.stages.find((s) => s.dataset === "weekly_metrics")!.why).toEqual([
      "runs if daily_user_metrics changes (it is stale)",
    ]);

    const result = await runPipeline(config);
    expect(result.ran).toEqual(["daily_user_metrics", "weekly_metrics", "phase_observations"]);
    const weekly = result.stages.find((s) => s.dataset === "weekly_metrics")!;
    expect(weekly.reasons).toEqual([expect.objectContaining({ kind: "input-changed", input: "daily_user_metrics" })]);
    expect((await runPipeline(config)).ran).toEqual([]);
  });

  it("re-runs a stage whose SQL changed, and its dependents", async () => {
    const before = Object.fromEntries(
      await Promise.all(STAGES.map(async (n) => [n, (await latest(config, n)).version])),
    );
    // Cut sessions at every silence over one second instead of thirty minutes.
    const defs = withSql("sessions", (sql) => sql.replace("INTERVAL 30 MINUTE", "INTERVAL 1 SECOND"));
    const result = await runPipeline(config, { defs });
    expect(result.ran).toEqual(["sessions", "daily_user_metrics", "weekly_metrics"]);
    expect(result.stages.find((s) => s.dataset === "sessions")!.why).toEqual(["definition changed"]);
    expect((await latest(config, "sessions")).version).not.toBe(before.sessions);
    expect((await runPipeline(config, { defs })).ran).toEqual([]);

    // Back to the registry's SQL: the stages run again, reproduce their earlier versions, and then rest.
    expect((await runPipeline(config)).ran).toEqual(["sessions", "daily_user_metrics", "weekly_metrics"]);
    for (const name of STAGES) expect((await latest(config, name)).version).toBe(before[name]);
    expect((await runPipeline(config)).ran).toEqual([]);
  });

  it("stops the dependents of a failing stage, names the stage and the SQL error, and keeps earlier outputs", async () => {
    const before = await Promise.all(STAGES.map((n) => listVersions(config.lineageDir, n)));
    const defs = withSql("sessions", () => `SELECT no_such_column FROM events_dedup`);
    const result = await runPipeline(config, { defs });
    expect(result.failed).toEqual(["sessions"]);
    expect(status(result)).toEqual({
      events_dedup: "up-to-date",
      sessions: "failed",
      daily_user_metrics: "skipped",
      weekly_metrics: "skipped",
      phase_observations: "up-to-date",
    });
    const failed = result.stages.find((s) => s.dataset === "sessions")!;
    expect(failed.error!.message).toMatch(/^stage sessions failed: Binder Error: .*no_such_column/);
    expect(result.stages.find((s) => s.dataset === "daily_user_metrics")!.why).toEqual(["not run: sessions failed"]);
    expect(await Promise.all(STAGES.map((n) => listVersions(config.lineageDir, n)))).toEqual(before);
    // Nothing half-written is left behind.
    const leftovers = (await readdir(tmpDir(config.dataDir))).filter((f) => f !== "duckdb");
    expect(leftovers).toEqual([]);
  });

  it("gives phase_observations the series its SQL computes from the input versions its record names", async () => {
    const entry = await latest(config, "phase_observations");
    const inputs = entry.record.inputs as unknown as {
      name: string;
      facets: { version: { datasetVersion: string } };
    }[];
    await withDuckDB(async (con) => {
      for (const input of inputs) {
        const files = (await readableFiles(config.dataDir, input.facets.version.datasetVersion))!;
        await con.run(`CREATE VIEW ${quoteIdent(input.name)} AS SELECT * FROM ${parquet(files)}`);
      }
      await con.run(`CREATE TABLE phase_observations AS ${castSelect(phaseObservations)}`);
      const series = await queryRows<Record<string, unknown>>(con, READ_PHASE_OBSERVATIONS_SQL);
      const output = (await readableFiles(config.dataDir, entry.version))!;
      await con.run(`CREATE OR REPLACE TABLE phase_observations AS SELECT * FROM ${parquet(output)}`);
      const stored = await queryRows<Record<string, unknown>>(con, READ_PHASE_OBSERVATIONS_SQL);
      expect(series.length).toBeGreaterThan(20);
      expect(stored).toEqual(series);
    });
  });
});
