import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../loaders/log.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { seedWhenEmpty } from "../../loaders/seed/when-empty.ts";
import { findNaming } from "../../loaders/sources/naming.ts";
import { connect, type Database } from "../../loaders/sources/postgres.ts";
import { createProject, type TestProject } from "../util/project.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { checksum } from "./_tables.ts";

const small = { ...DEFAULT_SEED_OPTIONS, users: 8, days: 20, events: 1500 };

describe("seedWhenEmpty", () => {
  const open: { db: TestDatabase; project: TestProject; sources: Database[] }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      for (const s of o.sources) await s.close();
      await o.db.drop();
      await o.project.remove();
    }
  });

  /** A fresh database and connections to it, marked as the embedded server's when `embedded`. */
  async function setup(embedded: boolean, connections = 1) {
    const db = await createTestDatabase();
    const project = await createProject();
    const sources: Database[] = [];
    for (let i = 0; i < connections; i++) {
      const source = await connect({ ...project.config, databaseUrl: db.url });
      // The suite's server stands in for the embedded one; only the flag that says so differs.
      sources.push({ ...source, info: { ...source.info, embedded } });
    }
    open.push({ db, project, sources });
    return { db, sources };
  }

  it("seeds an embedded database with no source tables, and logs that it did and how long it took", async () => {
    const { db, sources } = await setup(true);
    const log = memoryLogger();
    const result = await seedWhenEmpty(sources[0]!, { log, seed: small });
    expect(result).toMatchObject({ naming: "pascal", rows: { events: small.events } });
    expect(await findNaming(db.sql)).toBe("pascal");
    expect(log.lines[0]).toBe(
      "embedded PostgreSQL: no source tables yet; creating them and seeding demo data (labbook seed)",
    );
    expect(log.lines[1]).toMatch(/^embedded PostgreSQL: seeded 1,500 events, \d+ protocols .* in \d+\.\d s /);
    // The same rows as `labbook seed` with the same options.
    const seeded = await checksum(db.sql, "pascal");
    await seedDatabase(db.sql, small, "pascal");
    expect(await checksum(db.sql, "pascal")).toBe(seeded);
  });

  it("seeds once when two commands find the database empty at the same time", async () => {
    const { db, sources } = await setup(true, 2);
    const results = await Promise.all(sources.map((s) => seedWhenEmpty(s, { seed: small })));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const [row] = await db.sql`SELECT count(*)::int AS n FROM "BehavioralEvent"`;
    expect(row!.n).toBe(small.events);
  });

  it("leaves an embedded database that has source tables alone, in either naming", async () => {
    const { db, sources } = await setup(true);
    await seedDatabase(db.sql, { ...small, events: 700 }, "snake");
    expect(await seedWhenEmpty(sources[0]!, { seed: small })).toBeUndefined();
    expect(await findNaming(db.sql)).toBe("snake");
    const [row] = await db.sql`SELECT count(*)::int AS n FROM behavioral_events`;
    expect(row!.n).toBe(700);
  });

  it("never touches a DATABASE_URL database, even an empty one", async () => {
    const { db, sources } = await setup(false);
    const log = memoryLogger();
    expect(await seedWhenEmpty(sources[0]!, { log, seed: small })).toBeUndefined();
    expect(await findNaming(db.sql)).toBeUndefined();
    expect(log.lines).toEqual([]);
  });
});
