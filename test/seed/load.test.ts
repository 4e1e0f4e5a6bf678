import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDatabase, type SeedResult } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { createTestDatabase, withTestDatabase, type TestDatabase } from "../util/pg.ts";
import { detectNaming } from "../../loaders/sources/naming.ts";
import { pgEnums, TABLE_NAMES } from "../../loaders/sources/schema.ts";
import { checksum, tables } from "./_tables.ts";

const options: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 40, events: 5000 };

describe("seedDatabase is deterministic", () => {
  it.each(["pascal", "snake"] as const)("gives the same rows for the same options (%s)", async (naming) => {
    await withTestDatabase(async (db) => {
      await seedDatabase(db.sql, options, naming);
      const first = await checksum(db.sql, naming);
      await seedDatabase(db.sql, options, naming);
      expect(await checksum(db.sql, naming)).toBe(first);
      await seedDatabase(db.sql, { ...options, seed: options.seed + 1 }, naming);
      expect(await checksum(db.sql, naming)).not.toBe(first);
    });
  });
});

describe("seedDatabase replaces earlier demo data in either naming", () => {
  /** The application tables and enum types in the database's public schema. */
  const objects = async (sql: TestDatabase["sql"]) => {
    const tablesNow = await sql<{ name: string }[]>`SELECT tablename AS name FROM pg_tables
      WHERE schemaname = 'public' ORDER BY 1`;
    const types = await sql<{ name: string }[]>`SELECT t.typname AS name FROM pg_type t
      JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY 1`;
    return { tables: tablesNow.map((r) => r.name), types: types.map((r) => r.name) };
  };

  it.each([
    ["pascal", "snake"],
    ["snake", "pascal"],
  ] as const)("a %s seed, then a %s seed, leaves only the second", async (before, after) => {
    await withTestDatabase(async (db) => {
      await seedDatabase(db.sql, options, before);
      expect(await detectNaming(db.sql)).toBe(before);
      await seedDatabase(db.sql, { ...options, events: 1000 }, after);
      expect(await detectNaming(db.sql)).toBe(after);
      const expected = Object.values(TABLE_NAMES)
        .map((names) => names[after])
        .sort();
      const { tables: left, types } = await objects(db.sql);
      expect(left).toEqual(expected);
      // Enum types belong to the PascalCase (Prisma) schema only.
      expect(types).toEqual(
        after === "pascal"
          ? Object.values(pgEnums)
              .map((e) => e.enumName)
              .sort()
          : [],
      );
      const [row] = await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${tables(after).events}`);
      expect(row!.n).toBe(1000);
    });
  });
});

describe.each(["pascal", "snake"] as const)("seeded data (%s)", (naming) => {
  const t = tables(naming);
  let db: TestDatabase;
  let result: SeedResult;
  beforeAll(async () => {
    db = await createTestDatabase();
    result = await seedDatabase(db.sql, options, naming);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("holds exactly the requested number of events", async () => {
    const [row] = await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${t.events}`);
    expect(row!.n).toBe(options.events);
    expect(result.rows.events).toBe(options.events);
    expect(result.naming).toBe(naming);
  });

  it("reports the rows it loaded", async () => {
    const [row] = await db.sql.unsafe(`SELECT
      (SELECT count(*)::int FROM ${t.protocols}) AS protocols,
      (SELECT count(*)::int FROM ${t.phases}) AS phases,
      (SELECT count(*)::int FROM ${t.context}) AS context`);
    expect(result.rows).toEqual({ events: options.events, ...row });
    expect(row!.protocols).toBeGreaterThan(0);
    expect(result.defects).toBeNull();
  });

  it("gives every protocol four consecutive ABAB phases of at least 5 days", async () => {
    const rows = await db.sql.unsafe<
      { protocol: string; labels: string[]; types: string[]; days: number[]; planned: number[]; contiguous: boolean }[]
    >(`SELECT p.id AS protocol,
        array_agg(a."phaseLabel" ORDER BY a."startDate") AS labels,
        array_agg(a."phaseType"::text ORDER BY a."startDate") AS types,
        array_agg(extract(epoch FROM a."endDate" - a."startDate")::int / 86400 ORDER BY a."startDate") AS days,
        array_agg(a."plannedDuration" ORDER BY a."startDate") AS planned,
        bool_and(a."startDate" = (SELECT coalesce(max(b."endDate"), p."startDate") FROM ${t.phases} b
          WHERE b."protocolId" = p.id AND b."startDate" < a."startDate")) AS contiguous,
        min(a."startDate") = p."startDate" AND max(a."endDate") = p."endDate" AS spans
      FROM ${t.protocols} p JOIN ${t.phases} a ON a."protocolId" = p.id
      GROUP BY p.id ORDER BY p.id`);
    expect(rows.length).toBe(result.rows.protocols);
    for (const r of rows) {
      expect(r.labels).toEqual(["baseline_1", "intervention_A_1", "baseline_2", "intervention_A_2"]);
      expect(r.types).toEqual(["BASELINE", "INTERVENTION_A", "BASELINE", "INTERVENTION_A"]);
      expect(r.days).toEqual(r.planned);
      for (const d of r.days) expect(d).toBeGreaterThanOrEqual(5);
      expect(r).toMatchObject({ contiguous: true, spans: true });
    }
  });

  it("labels a protocol user's events with the phase they fall in, and no other events", async () => {
    const rows = await db.sql.unsafe<{ inside: boolean; ok: boolean; n: number }[]>(`
      SELECT a.id IS NOT NULL AS inside, e."experimentPhase" IS NOT DISTINCT FROM a."phaseLabel" AS ok, count(*)::int AS n
      FROM ${t.events} e
      LEFT JOIN ${t.protocols} p ON p."userId" = e."userId"
      LEFT JOIN ${t.phases} a ON a."protocolId" = p.id AND e.timestamp >= a."startDate" AND e.timestamp < a."endDate"
      GROUP BY 1, 2`);
    const count = (inside: boolean, ok: boolean) => rows.find((r) => r.inside === inside && r.ok === ok)?.n ?? 0;
    expect(count(true, false) + count(false, false)).toBe(0);
    expect(count(true, true)).toBeGreaterThan(0);
    expect(count(false, true)).toBeGreaterThan(0);
  });

  it("keeps scores within 0–100", async () => {
    const [row] = await db.sql
      .unsafe(`SELECT min("sessionPerformanceScore") AS lo, max("sessionPerformanceScore") AS hi,
      count("sessionPerformanceScore")::int AS n FROM ${t.events}`);
    expect(row!.n).toBeGreaterThan(0);
    expect(row!.lo).toBeGreaterThanOrEqual(0);
    expect(row!.hi).toBeLessThanOrEqual(100);
  });

  it("derives timeOfDay and dayOfWeek from the UTC timestamp", async () => {
    const [row] = await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${t.events}
      WHERE "timeOfDay" <> extract(hour FROM timestamp AT TIME ZONE 'UTC')
         OR "dayOfWeek" <> extract(dow FROM timestamp AT TIME ZONE 'UTC')`);
    expect(row!.n).toBe(0);
  });

  it("keeps non-ASCII text intact", async () => {
    const rows = await db.sql.unsafe<{ title: string }[]>(`SELECT DISTINCT "eventData"->>'title' AS title
      FROM ${t.events} WHERE "eventType" = 'LECTURE_UPLOADED' AND "eventData"->>'title' ~ '[^\\x01-\\x7f]'`);
    const titles = rows.map((r) => r.title);
    expect(titles).toContain("薬理学 第2回");
    expect(titles).toContain("Cardiologie — séance 3");
  });
});
