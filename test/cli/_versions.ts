import { getDataset } from "../../loaders/datasets/index.ts";
import { ingestPostgres, type IngestResult } from "../../loaders/ingest/postgres.ts";
import { pseudonymizer, pseudonymKey } from "../../loaders/pseudonym.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { connect } from "../../loaders/sources/postgres.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";

export interface VersionsFixture {
  db: TestDatabase;
  project: TestProject;
  env: Record<string, string>;
  /** Three versions of behavioral_events, oldest first, made at the pinned times in `times`. */
  made: IngestResult[];
  times: string[];
  userId: string;
  /** The user id as the lineage record shows it: its keyed pseudonym. */
  pseudonym: string;
  remove(): Promise<void>;
}

/** A project holding three real ingests of behavioral_events (whole, --since, --user-id) at pinned times. */
export async function versionsFixture(): Promise<VersionsFixture> {
  const db = await createTestDatabase();
  await seedDatabase(db.sql, { ...DEFAULT_SEED_OPTIONS, users: 8, days: 20, events: 1000 }, "pascal");
  const [user] = await db.sql`SELECT min("userId") AS id FROM "BehavioralEvent"`;
  const project = await createProject();
  const config = { ...project.config, databaseUrl: db.url };
  const times = ["2025-07-01T08:00:00.000Z", "2025-07-02T08:00:00.000Z", "2025-07-03T08:00:00.000Z"];
  const filters = [{}, { since: "2025-06-10" }, { userId: user!.id as string }];
  const source = await connect(config);
  const made: IngestResult[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      made.push(
        await ingestPostgres(getDataset("behavioral_events"), source, "pascal", config, {
          filters: filters[i],
          clock: () => Date.parse(times[i]!),
        }),
      );
    }
  } finally {
    await source.close();
  }
  return {
    db,
    project,
    env: { ...project.env, DATABASE_URL: db.url },
    made,
    times,
    userId: user!.id as string,
    pseudonym: pseudonymizer(await pseudonymKey(project.config))(user!.id as string),
    async remove() {
      await db.drop();
      await project.remove();
    },
  };
}
