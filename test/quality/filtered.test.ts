import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDataset } from "../../loaders/datasets/index.ts";
import { ingestPostgres, type IngestOptions } from "../../loaders/ingest/postgres.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, planStudy, type SeedOptions } from "../../loaders/seed/plan.ts";
import { connect } from "../../loaders/sources/postgres.ts";
import { shortVersion } from "../../loaders/lineage/version.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";
const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000 };
const participant = planStudy(options).find((u) => u.protocol)!.id;
const T0 = Date.parse("2025-10-01T00:00:00Z");
const NO_GAPS = "no_gaps(timestamp by userId)";
const CONTEXT = "relationships(contextMetadataId->context_metadata)";

describe("checks on filtered ingests", () => {
  let db: TestDatabase;
  const projects: TestProject[] = [];
  beforeAll(async () => {
    db = await createTestDatabase("quality");
    await seedDatabase(db.sql, options, "pascal");
  });
  afterAll(async () => {
    for (const p of projects) await p.remove();
    await db?.drop();
  });

  /** A project of its own, and an ingest into it; each ingest is a minute after the one before. */
  async function project() {
    const p = await createProject({ databaseUrl: db.url });
    projects.push(p);
    let at = T0;
    return async (dataset: string, filters: IngestOptions["filters"] = {}) => {
      const conn = await connect(p.config, { max: 1 });
      try {
        const time = (at += 60_000);
        const result = await ingestPostgres(getDataset(dataset), conn, "pascal", p.config, {
          filters,
          clock: () => time,
        });
        return { ...result, check: (name: string) => result.quality!.checks.find((c) => c.check === name)! };
      } finally {
        await conn.close();
      }
    };
  }

  it("no_gaps judges only the selected participant, and passes an empty selection", async () => {
    const ingest = await project();
    await ingest("experiment_protocols");
    const one = await ingest("behavioral_events", { userId: participant });
    expect(one.rowCount).toBeGreaterThan(0);
    expect(one.check(NO_GAPS)).toMatchObject({ status: "pass", failing: 0 });
    const nobody = await ingest("behavioral_events", { userId: "nobody" });
    expect(nobody.rowCount).toBe(0);
    expect(nobody.check(NO_GAPS)).toMatchObject({ status: "pass", failing: 0 });
  });

  it("relationships reads the newest unfiltered version of the other dataset, never a filtered one", async () => {
    const ingest = await project();
    const whole = await ingest("context_metadata");
    const filtered = await ingest("context_metadata", { userId: participant });
    expect(filtered.version).not.toBe(whole.version);
    const events = await ingest("behavioral_events", { since: "2025-06-20" });
    expect(events.check(CONTEXT)).toMatchObject({
      status: "pass",
      failing: 0,
      detail: `against context_metadata@${shortVersion(whole.version)}`,
    });
  });

  it("is skipped, saying why, when the other dataset has only filtered versions", async () => {
    const ingest = await project();
    const filtered = await ingest("context_metadata", { userId: participant });
    const events = await ingest("behavioral_events", { since: "2025-06-20" });
    const check = events.check(CONTEXT);
    expect(check).toMatchObject({ status: "skipped", failing: 0 });
    // The filter is named as the lineage record holds it, pseudonymised: the raw participant id never reaches a
    // check's detail, which the site publishes.
    expect(check.detail).toMatch(
      new RegExp(
        `^only filtered versions of context_metadata in the local store \\(newest ${shortVersion(filtered.version)}: ` +
          `userId=u-[0-9a-f]{12}\\); ingest it without filters to check against it$`,
      ),
    );
    expect(check.detail).not.toContain(participant);
  });
});
