import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listVersions } from "../../loaders/lineage/catalog.ts";
import { runPipeline } from "../../loaders/pipeline/run.ts";
import { qualityOfRecord } from "../../loaders/quality/index.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { ingestAll } from "./_store.ts";
import { createProject, type TestProject } from "../util/project.ts";

describe("checks in labbook run", () => {
  let db: TestDatabase;
  let project: TestProject;
  beforeAll(async () => {
    db = await createTestDatabase("qrun");
    await seedDatabase(db.sql, { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000, defects: true }, "pascal");
    project = await createProject({ databaseUrl: db.url });
    // Non-strict: the score of 140 goes to the rejects file, the duplicates stay for the dedup stage to remove.
    await ingestAll(project.config, "non-strict");
  });
  afterAll(async () => {
    await project?.remove();
    await db?.drop();
  });

  it("record the new version's outcome in its lineage record", async () => {
    const [events] = await listVersions(project.config.lineageDir, "behavioral_events");
    expect(qualityOfRecord(events!.record)?.checks.find((c) => c.type === "duplicate_count")).toMatchObject({
      status: "fail",
      failing: 3,
    });
    await runPipeline(project.config, { targets: ["events_dedup"] });
    const [dedup] = await listVersions(project.config.lineageDir, "events_dedup");
    expect(qualityOfRecord(dedup!.record)).toEqual({
      status: "pass",
      checks: [
        {
          check: "duplicate_count(userId,eventType,timestamp,eventData)",
          type: "duplicate_count",
          severity: "error",
          status: "pass",
          failing: 0,
          allowed: 0,
          warnIf: null,
          errorIf: ">0",
        },
      ],
    });
  });
});
