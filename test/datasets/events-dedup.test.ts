import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../loaders/config.ts";
import { getDataset } from "../../loaders/datasets/index.ts";
import { parquet, queryRows, withDuckDB } from "../../loaders/duckdb.ts";
import { ingestPostgres } from "../../loaders/ingest/postgres.ts";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { runPipeline } from "../../loaders/pipeline/run.ts";
import { planDefects } from "../../loaders/seed/defects.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, planStudy, type SeedOptions } from "../../loaders/seed/plan.ts";
import { connect } from "../../loaders/sources/postgres.ts";
import { readableFiles } from "../../loaders/store/files.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

const SEED: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 30, events: 3000, defects: true };

describe("events_dedup", () => {
  let db: TestDatabase;
  let project: TestProject;
  let config: Config;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, SEED, "pascal");
    project = await createProject();
    config = { ...project.config, databaseUrl: db.url };
    const source = await connect(config);
    try {
      // Non-strict: the planted score of 140 goes to the rejects file; the planted duplicates are valid rows.
      await ingestPostgres(getDataset("behavioral_events"), source, "pascal", config, { validation: "non-strict" });
    } finally {
      await source.close();
    }
  });
  afterAll(async () => {
    await db?.drop();
    await project?.remove();
  });

  it("drops exactly the seeded duplicates and reports how many in its lineage", async () => {
    const planted = planDefects(planStudy(SEED), SEED);
    const result = await runPipeline(config, { targets: ["events_dedup"] });
    expect(result.failed).toEqual([]);
    expect(result.stages[0]!.summary).toEqual({ dropped: planted.duplicates });

    const [events] = await listVersions(config.lineageDir, "behavioral_events");
    const [dedup] = await listVersions(config.lineageDir, "events_dedup");
    expect(dedup!.rowCount).toBe(events!.rowCount - planted.duplicates);
    expect((dedup!.record.run.facets.labbook_stage as { summary: unknown }).summary).toEqual({ dropped: 3 });

    // Each dropped row has a kept twin with the same user, type, timestamp and data, on the planted day.
    const eventFiles = (await readableFiles(config.dataDir, events!.version))!;
    const dedupFiles = (await readableFiles(config.dataDir, dedup!.version))!;
    const dropped = await withDuckDB((con) =>
      queryRows<{ id: string; day: string; twins: number }>(
        con,
        `WITH e AS (SELECT * FROM ${parquet(eventFiles)}),
              d AS (SELECT * FROM ${parquet(dedupFiles)})
         SELECT e.id, strftime(e."timestamp", '%Y-%m-%d') AS day,
           (SELECT count(*) FROM d WHERE d."userId" = e."userId" AND d."eventType" = e."eventType"
              AND d."timestamp" = e."timestamp" AND CAST(d."eventData" AS VARCHAR) = CAST(e."eventData" AS VARCHAR)) AS twins
         FROM e ANTI JOIN d USING (id) ORDER BY e.id`,
      ),
    );
    const plantedDay = new Date(Date.UTC(2025, 5, 2) + planted.duplicateDay * 86_400_000).toISOString().slice(0, 10);
    expect(dropped).toHaveLength(planted.duplicates);
    for (const row of dropped) expect(row).toMatchObject({ day: plantedDay, twins: 1 });
  });
});
