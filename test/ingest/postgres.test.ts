import { readFile } from "node:fs/promises";
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot, type Config } from "../../loaders/config.ts";
import { getDataset, sourceDatasets, type DatasetDef } from "../../loaders/datasets/index.ts";
import type { PostgresSource } from "../../loaders/datasets/define.ts";
import { compileSchema } from "../../loaders/datasets/rules.ts";
import { quoteIdent, sqlString } from "../../loaders/sql-quote.ts";
import { parquet, queryRows, withDuckDB, type ParquetFiles } from "../../loaders/duckdb.ts";
import { isLabbookError, type LabbookError } from "../../loaders/errors.ts";
import { ingestPostgres, MAX_ROW_BYTES, type IngestOptions } from "../../loaders/ingest/postgres.ts";
import { listVersions, readRecord } from "../../loaders/lineage/catalog.ts";
import { PRODUCER } from "../../loaders/lineage/facets.ts";
import { memoryLogger } from "../../loaders/log.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS, type SeedOptions } from "../../loaders/seed/plan.ts";
import { connect, type Database } from "../../loaders/sources/postgres.ts";
import { TABLE_NAMES, type Naming } from "../../loaders/sources/schema.ts";
import { readableFiles, versionStoreFiles } from "../../loaders/store/files.ts";
import { hashFile, objectPath } from "../../loaders/store/objects.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";
import { listTree, snapshot } from "../util/tree.ts";

const SEED: SeedOptions = { ...DEFAULT_SEED_OPTIONS, users: 12, days: 30, events: 2000 };
/** A valid cuid for hand-inserted rows: "c" and 24 lower-case base-36 characters. */
const eid = (n: number) => `cedge${String(n).padStart(20, "0")}`;
const q = quoteIdent;

/** A seeded database, a project to ingest into, and a connection: what every test here starts from. */
interface Fixture {
  db: TestDatabase;
  project: TestProject;
  config: Config;
  source: Database;
  naming: Naming;
  close(): Promise<void>;
}

async function fixture(naming: Naming, prepare?: (sql: Sql) => Promise<void>): Promise<Fixture> {
  const db = await createTestDatabase();
  await seedDatabase(db.sql, SEED, naming);
  await prepare?.(db.sql);
  const project = await createProject();
  const config = { ...project.config, databaseUrl: db.url };
  const source = await connect(config);
  return {
    db,
    project,
    config,
    source,
    naming,
    async close() {
      await source.close();
      await db.drop();
      await project.remove();
    },
  };
}

function ingest(f: Fixture, name: string, options: IngestOptions = {}) {
  return ingestPostgres(getDataset(name), f.source, f.naming, f.config, options);
}

/** What is left in the project's temp area besides the spill root: nothing, once an ingest has finished or failed. */
const leftovers = async (f: Fixture) =>
  (await listTree(path.join(f.config.dataDir, "tmp"))).filter((entry) => entry !== "duckdb/");

/** The files that hold a version's rows, checked: its one object, or its partitions' objects (behavioral_events). */
const filesOf = async (f: Fixture, version: string) => (await readableFiles(f.config.dataDir, version))!;

const table = (def: DatasetDef, naming: Naming) => TABLE_NAMES[(def.source as PostgresSource).table][naming];

/** Inserts rows, with JSON columns given as JSON text and cast by the server (so a JSON `null` stays JSON). */
async function insert(sql: Sql, table: string, rows: Record<string, unknown>[], json: string[]): Promise<void> {
  for (const row of rows) {
    const names = Object.keys(row);
    const values = names.map((n, i) => (json.includes(n) ? `$${i + 1}::text::jsonb` : `$${i + 1}`));
    await sql.unsafe(
      `INSERT INTO ${q(table)} (${names.map(q).join(", ")}) VALUES (${values.join(", ")})`,
      names.map((n) => row[n]) as never[],
    );
  }
}

/** Rows that exercise the encoding: emoji, quotes, commas, newlines, backslashes, empty strings, JSON edge values. */
async function insertEdgeRows(sql: Sql, naming: Naming): Promise<void> {
  const t = (name: keyof typeof TABLE_NAMES) => TABLE_NAMES[name][naming];
  const [user] = await sql`SELECT "userId" FROM ${sql(t("behavioralEvent"))} LIMIT 1`;
  const tricky = "emoji 😀, \"double\" and 'single' quotes, comma, new\nline, cr\r, tab\t, back\\slash \\N";
  const base = {
    userId: user!.userId as string,
    eventType: "CARD_REVIEWED",
    sessionPerformanceScore: null,
    engagementLevel: null,
    completionQuality: null,
    contextMetadataId: null,
    randomizationSeed: null,
  };
  const events = [
    {
      ...base,
      id: eid(1),
      eventData: JSON.stringify({ text: tricky, nested: { arr: [1, 2.5, null, true, "ü"] }, big: 1e100 }),
      timestamp: "2024-02-29T23:59:59.999Z",
      sessionPerformanceScore: 0,
      timeOfDay: 23,
      dayOfWeek: 4,
      contentType: tricky,
      difficultyLevel: "",
      experimentPhase: null,
      randomizationSeed: 2_147_483_647,
    },
    {
      ...base,
      id: eid(2),
      eventData: "null",
      timestamp: "2025-01-01 05:30:00.001+05:30",
      sessionPerformanceScore: 100,
      engagementLevel: "HIGH",
      completionQuality: "THOROUGH",
      timeOfDay: 0,
      dayOfWeek: 3,
      contentType: "\\N",
      difficultyLevel: "NULL",
      experimentPhase: '""',
      randomizationSeed: -2_147_483_648,
    },
    {
      ...base,
      id: eid(3),
      eventData: '"just a string with \\"quotes\\" and \\\\ and \\n"',
      timestamp: "2000-01-01T00:00:00.000Z",
      timeOfDay: 0,
      dayOfWeek: 6,
      contentType: "  padded  ",
      difficultyLevel: ",",
      experimentPhase: "薬理学 第2回 — Ёмкость",
      contextMetadataId: "",
    },
  ];
  await insert(sql, t("behavioralEvent"), events, ["eventData"]);
  await insert(
    sql,
    t("contextMetadata"),
    [
      {
        id: eid(4),
        userId: user!.userId,
        timestamp: "2024-12-31T23:59:59.999Z",
        mood: null,
        energyLevel: 10,
        location: "CAFE",
        notes: tricky,
        sleepHours: 0.1,
        sleepQuality: 1,
        hrvScore: 7.123456789012345,
        restingHeartRate: null,
      },
      {
        id: eid(5),
        userId: user!.userId,
        timestamp: "2024-12-31T23:59:59.999Z",
        mood: "LOW",
        energyLevel: null,
        location: null,
        notes: "",
        sleepHours: 1e-300,
        sleepQuality: null,
        hrvScore: -0.5,
        restingHeartRate: 40,
      },
    ],
    [],
  );
  await insert(
    sql,
    t("experimentProtocol"),
    [
      {
        id: eid(6),
        userId: user!.userId,
        protocolName: tricky,
        hypothesis: "",
        startDate: "2024-01-01T00:00:00Z",
        endDate: null,
        designType: "ALTERNATING",
        primaryOutcome: "score",
        sampleSizeTarget: null,
        analysisPlan: "null",
      },
      {
        id: eid(7),
        userId: user!.userId,
        protocolName: "no plan",
        hypothesis: "h",
        startDate: "2024-01-02T00:00:00Z",
        endDate: "2024-02-02T00:00:00Z",
        designType: "ABAB",
        primaryOutcome: "score",
        sampleSizeTarget: 0,
        analysisPlan: null,
      },
    ],
    ["analysisPlan"],
  );
  await insert(
    sql,
    t("phaseAssignment"),
    [
      {
        id: eid(8),
        protocolId: eid(6),
        phaseLabel: tricky,
        phaseType: "WASHOUT",
        startDate: "2024-01-01T00:00:00Z",
        endDate: null,
        plannedDuration: 1,
        randomizationSeed: null,
        interventionParams: JSON.stringify({ path: "C:\\temp\\x", quote: '"', emoji: "🧪" }),
      },
    ],
    ["interventionParams"],
  );
}

/**
 * Reads a version's Parquet in file order and the source table in sort-key order, and lists every difference.
 * JSON is compared as the exact text PostgreSQL printed (and so also as parsed JSON); timestamps to the millisecond.
 */
async function differences(f: Fixture, def: DatasetDef, file: ParquetFiles): Promise<string[]> {
  const columns = compileSchema(def.schema);
  const select = columns.map((c) => (c.duckdbType === "JSON" ? `${q(c.name)}::text AS ${q(c.name)}` : q(c.name)));
  const expected = await f.db.sql.unsafe<Record<string, unknown>[]>(
    `SELECT ${select.join(", ")} FROM ${q(table(def, f.naming))} ORDER BY ${def.sortKey.map(q).join(", ")}`,
  );
  const actual = await withDuckDB((con) => queryRows(con, `SELECT * FROM ${parquet(file)}`));
  const out: string[] = [];
  if (actual.length !== expected.length)
    out.push(`rows: ${actual.length} in Parquet, ${expected.length} in PostgreSQL`);
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    for (const c of columns) {
      const a = actual[i]![c.name];
      const e = expected[i]![c.name];
      const same =
        a instanceof Date && e instanceof Date
          ? a.getTime() === e.getTime()
          : Object.is(a, e) || (typeof a === "number" && a === e);
      if (!same)
        out.push(`row ${i} (${String(expected[i]!.id)}) ${c.name}: ${JSON.stringify(a)} ≠ ${JSON.stringify(e)}`);
    }
  }
  return out;
}

describe("ingestPostgres: values round-trip", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture("pascal", (sql) => insertEdgeRows(sql, "pascal"));
  });
  afterAll(async () => {
    await f?.close();
  });

  it.each(sourceDatasets().map((d) => d.name))(
    "%s: every column, type, null and string equals the source",
    async (name) => {
      const def = getDataset(name);
      const result = await ingest(f, name);
      expect(await differences(f, def, await filesOf(f, result.version))).toEqual([]);
      const [{ n }] = (await f.db.sql.unsafe(`SELECT count(*)::int AS n FROM ${q(table(def, f.naming))}`)) as [
        { n: number },
      ];
      expect(result.rowCount).toBe(n);
      expect(n).toBeGreaterThan(0);
    },
  );

  it("keeps the types faithful: TIMESTAMPTZ, INTEGER, JSON, enums as VARCHAR", async () => {
    const result = await ingest(f, "behavioral_events");
    const files = await filesOf(f, result.version);
    const types = await withDuckDB((con) =>
      queryRows<{ column_name: string; column_type: string }>(con, `DESCRIBE SELECT * FROM ${parquet(files)}`),
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      id: "VARCHAR",
      userId: "VARCHAR",
      eventType: "VARCHAR",
      eventData: "JSON",
      timestamp: "TIMESTAMP WITH TIME ZONE",
      sessionPerformanceScore: "INTEGER",
      engagementLevel: "VARCHAR",
      completionQuality: "VARCHAR",
      timeOfDay: "INTEGER",
      dayOfWeek: "INTEGER",
      contentType: "VARCHAR",
      difficultyLevel: "VARCHAR",
      experimentPhase: "VARCHAR",
      randomizationSeed: "INTEGER",
      contextMetadataId: "VARCHAR",
    });
  });

  it("keeps the edge rows exactly, empty strings apart from NULL", async () => {
    const result = await ingest(f, "behavioral_events");
    const files = await filesOf(f, result.version);
    const rows = await withDuckDB((con) =>
      queryRows<Record<string, unknown>>(
        con,
        `SELECT id, "contentType", "difficultyLevel", "experimentPhase", "contextMetadataId", "eventData",
           epoch_ms("timestamp") AS ms FROM ${parquet(files)}
         WHERE id LIKE 'cedge%' ORDER BY id`,
      ),
    );
    expect(rows.map((r) => r.id)).toEqual([eid(1), eid(2), eid(3)]);
    expect(rows[0]).toMatchObject({
      contentType: "emoji 😀, \"double\" and 'single' quotes, comma, new\nline, cr\r, tab\t, back\\slash \\N",
      difficultyLevel: "",
      experimentPhase: null,
      ms: Date.parse("2024-02-29T23:59:59.999Z"),
    });
    expect(JSON.parse(rows[0]!.eventData as string).nested).toEqual({ arr: [1, 2.5, null, true, "ü"] });
    expect(rows[1]).toMatchObject({
      contentType: "\\N",
      difficultyLevel: "NULL",
      experimentPhase: '""',
      eventData: "null",
      ms: Date.parse("2025-01-01T00:00:00.001Z"),
    });
    expect(rows[2]).toMatchObject({
      contextMetadataId: "",
      eventData: '"just a string with \\"quotes\\" and \\\\ and \\n"',
    });
  });

  it("records the version's lineage: source without password, SQL, counts, schema, nulls per column", async () => {
    const result = await ingest(f, "context_metadata");
    const record = await readRecord(f.config.lineageDir, "context_metadata", result.version);
    const file = objectPath(f.config.dataDir, result.version);
    expect(await hashFile(file)).toEqual({ version: result.version, size: result.size });
    const out = record.outputs[0]!;
    expect(out.facets.version.datasetVersion).toBe(result.version);
    expect(out.outputFacets.outputStatistics).toMatchObject({ rowCount: result.rowCount, size: result.size });
    expect(out.facets.schema.fields.map((x) => x.name)).toEqual(
      Object.keys(getDataset("context_metadata").schema.shape),
    );
    expect(record.job.name).toBe("ingest.context_metadata");
    expect(record.job.facets.sql.query).toMatch(
      /^COPY \(SELECT .* FROM "ContextMetadata" ORDER BY "timestamp", "id"\)/,
    );
    const url = new URL(f.db.url);
    expect(record.inputs[0]!.name).toBe(`${url.pathname.slice(1)}.public.ContextMetadata`);
    expect(JSON.stringify(record)).not.toContain(decodeURIComponent(url.password));
    const v = record.run.facets.labbook_validation as Record<string, unknown>;
    const [nulls] = await f.db.sql`SELECT count(*) - count(mood) AS mood, count(*) - count(notes) AS notes
      FROM "ContextMetadata"`;
    expect(v).toMatchObject({
      mode: "strict",
      rowsRead: result.rowCount,
      rowsValid: result.rowCount,
      rowsRejected: 0,
      nullsPerColumn: { id: 0, mood: Number(nulls!.mood), notes: Number(nulls!.notes) },
    });
  });

  it("gives every facet of the run, job, inputs and output a _producer and a _schemaURL that leads to its doc", async () => {
    const result = await ingest(f, "behavioral_events");
    const record = await readRecord(f.config.lineageDir, "behavioral_events", result.version);
    const facets = [
      ...Object.entries(record.run.facets),
      ...Object.entries(record.job.facets),
      ...record.inputs.flatMap((i) => Object.entries(i.facets ?? {})),
      ...record.outputs.flatMap((o) => [...Object.entries(o.facets), ...Object.entries(o.outputFacets)]),
    ];
    expect(facets.map(([name]) => name)).toEqual(expect.arrayContaining(["dataSource", "labbook_validation", "sql"]));
    expect(record.inputs[0]!.facets).toHaveProperty("dataSource");
    for (const [name, facet] of facets) {
      expect(facet, name).toMatchObject({ _producer: PRODUCER, _schemaURL: expect.stringMatching(/^https:\/\//) });
      const url = (facet as { _schemaURL: string })._schemaURL;
      if (!name.startsWith("labbook_")) {
        expect(url, name).toMatch(/^https:\/\/openlineage\.io\/spec\//);
        continue;
      }
      // labbook's own facets point into this repository, at a committed doc with a section for the facet.
      expect(url.startsWith(`${PRODUCER}/`), name).toBe(true);
      const [file, anchor] = url.slice(PRODUCER.length + 1).split("#");
      expect(anchor, name).toBe(name);
      const doc = await readFile(path.join(projectRoot, file!), "utf8");
      expect(doc, name).toContain(`### \`${name}\``);
    }
  });
});

describe("ingestPostgres: a server whose session defaults are not ISO", () => {
  let f: Fixture;
  let iso: Sql;
  beforeAll(async () => {
    // Set before labbook connects: a database's defaults apply to every new session on it.
    f = await fixture("pascal", async (sql) => {
      await insertEdgeRows(sql, "pascal");
      const [row] = await sql`SELECT current_database() AS name`;
      const name = q(row!.name as string);
      await sql.unsafe(`ALTER DATABASE ${name} SET DateStyle = 'SQL, DMY'`);
      await sql.unsafe(`ALTER DATABASE ${name} SET IntervalStyle = 'sql_standard'`);
      await sql.unsafe(`ALTER DATABASE ${name} SET extra_float_digits = -3`);
    });
    // The expected values, read in the formats postgres.js parses exactly.
    iso = postgres(f.db.url, {
      max: 1,
      onnotice: () => {},
      connection: { DateStyle: "ISO, MDY", extra_float_digits: 3, TimeZone: "UTC" },
    });
  });
  afterAll(async () => {
    await iso?.end({ timeout: 2 });
    await f?.close();
  });

  it("really has non-ISO defaults for a plain session", async () => {
    const plain = postgres(f.db.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await plain`SELECT current_setting('DateStyle') AS style, 7.123456789012345::float8::text AS f`;
      expect(row).toEqual({ style: "SQL, DMY", f: "7.12345678901" });
    } finally {
      await plain.end({ timeout: 2 });
    }
  });

  it.each(sourceDatasets().map((d) => d.name))("%s: timestamps and floats still round-trip exactly", async (name) => {
    const result = await ingest(f, name);
    const files = await filesOf(f, result.version);
    expect(await differences({ ...f, db: { ...f.db, sql: iso } }, getDataset(name), files)).toEqual([]);
    expect(result.rowCount).toBeGreaterThan(0);
  });

  it("--no-validate keeps every timestamp too", async () => {
    const result = await ingest(f, "behavioral_events", { validation: "skipped" });
    const files = await filesOf(f, result.version);
    const [row] = await withDuckDB((con) =>
      queryRows<{ nulls: number }>(con, `SELECT count(*) - count("timestamp") AS nulls FROM ${parquet(files)}`),
    );
    expect(row!.nulls).toBe(0);
  });
});

describe("ingestPostgres: rows longer than DuckDB reads by default", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture("pascal", async (sql) => {
      // 3 MiB passes DuckDB's default line limit of 2,000,000 bytes; rows of nearly the limit spread over the
      // stream straddle the reader's buffers. Quotes double in CSV, so the rows are longer there than in the database.
      const rows = await sql<{ id: string }[]>`SELECT id FROM "BehavioralEvent" ORDER BY "timestamp", id`;
      const sizes = new Map([
        [rows[5]!.id, 3 << 20],
        [rows[400]!.id, 7 << 20],
        [rows[401]!.id, 7 << 20],
        [rows[1500]!.id, 5 << 20],
      ]);
      for (const [id, size] of sizes)
        await sql`UPDATE "BehavioralEvent" SET "eventData" = jsonb_build_object('blob', repeat('"', ${Math.floor(size / 3)}))
          WHERE id = ${id}`;
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  it("ingests them whole", async () => {
    const def = getDataset("behavioral_events");
    const result = await ingest(f, "behavioral_events");
    expect(await differences(f, def, await filesOf(f, result.version))).toEqual([]);
    const [row] = await f.db.sql<{ big: number }[]>`SELECT count(*)::int AS big FROM "BehavioralEvent"
      WHERE length("eventData"::text) > 2000000`;
    expect(row!.big).toBe(4);
  });
});

describe("ingestPostgres: determinism and filters", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture("pascal");
  });
  afterAll(async () => {
    await f?.close();
  });

  it("gives the same version for the same rows, stored once, and says it was unchanged", async () => {
    const first = await ingest(f, "behavioral_events");
    const log = memoryLogger();
    const second = await ingest(f, "behavioral_events", { log });
    expect(second.version).toBe(first.version);
    expect([first.stored, second.stored]).toEqual([true, false]);
    const days = (await readRecord(f.config.lineageDir, "behavioral_events", first.version)).run.facets
      .labbook_partitions as { partitions: unknown[] };
    expect(days.partitions).toHaveLength(SEED.days);
    expect(log.lines.at(-1)).toBe(
      `behavioral_events: unchanged, version ${first.version.slice(7, 19)} is already stored (0 of ${SEED.days} partitions written, ${SEED.days} reused)`,
    );
    // Its manifest and its partitions' objects, each once: nothing else in the store.
    const files = Object.keys(await snapshot(f.config.dataDir)).filter((x) => x.startsWith("objects/"));
    const own = (await versionStoreFiles(f.config.dataDir, first.version))!.map((p) =>
      path.relative(f.config.dataDir, p.file),
    );
    expect(own).toHaveLength(SEED.days + 1);
    expect(files.sort()).toEqual(own.sort());
    expect((await listVersions(f.config.lineageDir, "behavioral_events")).map((e) => e.version)).toEqual([
      first.version,
    ]);
    // Nothing is left behind in the temp area.
    expect(await leftovers(f)).toEqual([]);
  });

  it("selects a time window with --since/--until, bound as parameters", async () => {
    const since = "2025-06-05T00:00:00.000Z";
    const until = "2025-06-09T12:00:00.000Z";
    const log = memoryLogger();
    const result = await ingest(f, "behavioral_events", { filters: { since, until }, log });
    // A selection is never merged with the latest version's partitions.
    expect(log.lines).toContain("behavioral_events: a filtered ingest: every partition written");
    const [row] = await f.db.sql`SELECT count(*)::int AS n FROM "BehavioralEvent"
      WHERE "timestamp" >= ${since} AND "timestamp" < ${until}`;
    expect(result.rowCount).toBe(row!.n);
    expect(result.rowCount).toBeGreaterThan(0);
    const files = await filesOf(f, result.version);
    const [range] = await withDuckDB((con) =>
      queryRows<{ lo: Date; hi: Date }>(
        con,
        `SELECT min("timestamp") AS lo, max("timestamp") AS hi FROM ${parquet(files)}`,
      ),
    );
    expect(range!.lo.getTime()).toBeGreaterThanOrEqual(Date.parse(since));
    expect(range!.hi.getTime()).toBeLessThan(Date.parse(until));
    const record = await readRecord(f.config.lineageDir, "behavioral_events", result.version);
    expect(record.run.facets.labbook_parameters).toMatchObject({
      parameters: { filters: { since, until }, boundParameters: { "labbook.since": since, "labbook.until": until } },
    });
    expect(record.job.facets.sql.query).not.toContain(since);
  });

  it("selects one user with --user-id", async () => {
    const [user] = await f.db.sql`SELECT "userId" AS id, count(*)::int AS n FROM "BehavioralEvent"
      GROUP BY 1 ORDER BY 1 LIMIT 1`;
    const result = await ingest(f, "behavioral_events", { filters: { userId: user!.id } });
    expect(result.rowCount).toBe(user!.n);
    const files = await filesOf(f, result.version);
    const users = await withDuckDB((con) =>
      queryRows<{ userId: string }>(con, `SELECT DISTINCT "userId" FROM ${parquet(files)}`),
    );
    expect(users).toEqual([{ userId: user!.id }]);
  });

  it.each([
    ["a user id that is SQL", { userId: "x' OR '1'='1" }],
    ["an unknown user", { userId: "nobody" }],
    ["a window in the future", { since: "2999-01-01" }],
  ])("writes an empty version with the full schema for %s, and warns", async (_what, filters) => {
    const log = memoryLogger();
    const result = await ingest(f, "behavioral_events", { filters, log });
    expect(result.rowCount).toBe(0);
    expect(result.warnings).toContain(
      "behavioral_events: the selection is empty; wrote an empty version with the full schema",
    );
    expect(log.lines).toContain(
      "warning: behavioral_events: the selection is empty; wrote an empty version with the full schema",
    );
    const file = objectPath(f.config.dataDir, result.version);
    const described = await withDuckDB((con) =>
      queryRows<{ column_name: string }>(con, `DESCRIBE SELECT * FROM ${parquet(file)}`),
    );
    expect(described.map((d) => d.column_name)).toEqual(Object.keys(getDataset("behavioral_events").schema.shape));
    const record = await readRecord(f.config.lineageDir, "behavioral_events", result.version);
    expect(record.outputs[0]!.outputFacets.outputStatistics.rowCount).toBe(0);
  });
});

describe("ingestPostgres: validation modes on a table with invalid rows", () => {
  let f: Fixture;
  let total: number;
  const invalid: Record<string, { column: string; rule: string }> = {
    [eid(11)]: { column: "sessionPerformanceScore", rule: "<= 100" },
    [eid(12)]: { column: "timeOfDay", rule: "<= 23" },
    "bad-id": { column: "id", rule: "matches /^c[a-z0-9]{24}$/" },
    [eid(14)]: { column: "eventType", rule: "one of" },
    [eid(15)]: { column: "timestamp", rule: ">= 2000-01-01T00:00:00.000Z" },
    [eid(16)]: { column: "timestamp", rule: "not in the future" },
    [eid(17)]: { column: "dayOfWeek", rule: "not null" },
  };
  beforeAll(async () => {
    // Snake naming stores enums as text, so a bad enum value can be planted.
    f = await fixture("snake", async (sql) => {
      await sql`ALTER TABLE behavioral_events ALTER COLUMN "dayOfWeek" DROP NOT NULL`;
      const [e] = await sql`SELECT * FROM behavioral_events LIMIT 1`;
      const future = new Date(Date.now() + 10 * 86_400_000).toISOString();
      const rows = [
        { ...e, id: eid(11), sessionPerformanceScore: 140 },
        { ...e, id: eid(12), timeOfDay: 25 },
        { ...e, id: "bad-id" },
        { ...e, id: eid(14), eventType: "NOT_A_TYPE" },
        { ...e, id: eid(15), timestamp: "1999-12-31T23:59:59.999Z" },
        { ...e, id: eid(16), timestamp: future },
        { ...e, id: eid(17), dayOfWeek: null },
      ];
      await sql`INSERT INTO behavioral_events ${sql(rows)}`;
    });
    const [row] = await f.db.sql`SELECT count(*)::int AS n FROM behavioral_events`;
    total = row!.n;
  });
  afterAll(async () => {
    await f?.close();
  });

  it("strict (the default) fails naming the first 5 errors, and writes nothing", async () => {
    const before = { data: await snapshot(f.config.dataDir), lineage: await snapshot(f.config.lineageDir) };
    const error = (await ingest(f, "behavioral_events").catch((e) => e)) as LabbookError;
    expect(isLabbookError(error, "E_VALIDATION")).toBe(true);
    expect(error.message).toBe(`validation failed for behavioral_events: 7 of ${total} rows are invalid`);
    expect(error.details).toHaveLength(6);
    for (const line of error.details.slice(0, 5)) {
      const m = /^row (\S+): (\w+) = (.+) \((.+)\)$/.exec(line);
      expect(m, line).not.toBeNull();
      const planted = invalid[m![1]!];
      expect(planted, line).toBeDefined();
      expect(m![2]).toBe(planted!.column);
      expect(m![4]!.startsWith(planted!.rule)).toBe(true);
    }
    expect(error.details).toContain('row cedge00000000000000000011: sessionPerformanceScore = "140" (<= 100)');
    expect(error.details.at(-1)).toMatch(/^No version was written\. Use --non-strict/);
    expect({ data: await snapshot(f.config.dataDir), lineage: await snapshot(f.config.lineageDir) }).toEqual(before);
    expect(await leftovers(f)).toEqual([]);
  });

  it("--non-strict versions the valid rows and writes the rest with a reason to a rejects Parquet", async () => {
    const log = memoryLogger();
    const result = await ingest(f, "behavioral_events", { validation: "non-strict", log });
    expect(result.rowCount).toBe(total - 7);
    expect(result.validation).toMatchObject({
      mode: "non-strict",
      rowsRead: total,
      rowsValid: total - 7,
      rowsRejected: 7,
    });
    expect(log.lines).toContain("warning: behavioral_events: 7 invalid rows written to the rejects file");
    const rejects = await withDuckDB((con) =>
      queryRows<{ id: string; _reject_reason: string }>(
        con,
        `SELECT id, _reject_reason FROM ${parquet(result.rejectsPath!)} ORDER BY id`,
      ),
    );
    expect(rejects.map((r) => r.id).sort()).toEqual(Object.keys(invalid).sort());
    for (const r of rejects) {
      expect(r._reject_reason).toContain(`${invalid[r.id]!.column}: ${invalid[r.id]!.rule}`);
    }
    const files = await filesOf(f, result.version);
    const kept = await withDuckDB((con) =>
      queryRows<{ n: number }>(
        con,
        `SELECT count(*) AS n FROM ${parquet(files)}
         WHERE id IN (${Object.keys(invalid).map(sqlString).join(", ")})`,
      ),
    );
    expect(kept[0]!.n).toBe(0);
    const record = await readRecord(f.config.lineageDir, "behavioral_events", result.version);
    const v = record.run.facets.labbook_validation as {
      rowsRead: number;
      rowsValid: number;
      rowsRejected: number;
      rejects: { path: string; sha256: string; rows: number };
    };
    expect(v.rowsRead).toBe(v.rowsValid + v.rowsRejected);
    expect(path.join(f.config.dataDir, v.rejects.path)).toBe(result.rejectsPath);
    expect((await hashFile(result.rejectsPath!)).version).toBe(v.rejects.sha256);
    expect(v.rejects.rows).toBe(7);
    // The split is as deterministic as the rest: the same rows give the same version and the same rejects.
    const again = await ingest(f, "behavioral_events", { validation: "non-strict" });
    expect([again.version, again.stored]).toEqual([result.version, false]);
    expect((await hashFile(result.rejectsPath!)).version).toBe(v.rejects.sha256);
    // Neither run leaves its unsplit staging file behind.
    expect(await leftovers(f)).toEqual([]);
  });

  it("--no-validate versions every row and records that validation was skipped", async () => {
    const result = await ingest(f, "behavioral_events", { validation: "skipped" });
    expect(result.rowCount).toBe(total);
    const record = await readRecord(f.config.lineageDir, "behavioral_events", result.version);
    expect(record.run.facets.labbook_validation).toMatchObject({ mode: "skipped", rowsRead: total, rowsRejected: 0 });
    expect(record.run.facets.labbook_parameters).toMatchObject({ parameters: { validation: "skipped" } });
    expect(await leftovers(f)).toEqual([]);
  });
});

describe("ingestPostgres: both table namings", () => {
  it("ingests the same rows to the same versions from pascal and snake tables", async () => {
    const pascal = await fixture("pascal");
    const snake = await fixture("snake");
    try {
      for (const def of sourceDatasets()) {
        const a = await ingest(pascal, def.name);
        const b = await ingest(snake, def.name);
        expect(b.version, def.name).toBe(a.version);
        expect(a.rowCount, def.name).toBeGreaterThan(0);
        const record = JSON.parse(
          await readFile(path.join(snake.config.lineageDir, def.name, `${b.version.slice(7)}.json`), "utf8"),
        );
        expect(record.run.facets.labbook_parameters.parameters).toMatchObject({
          naming: "snake",
          table: table(def, "snake"),
        });
      }
    } finally {
      await pascal.close();
      await snake.close();
    }
  });
});

describe("ingestPostgres: failures leave the store as it was", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture("pascal");
  });
  afterAll(async () => {
    await f?.close();
  });

  const store = async () => ({
    data: await snapshot(f.config.dataDir),
    lineage: await snapshot(f.config.lineageDir),
  });

  it("when a column's type changed in the source, naming it with both types, before anything streams", async () => {
    // Text where an integer belongs used to fail in DuckDB mid-stream; the types are now compared before the COPY.
    await f.db.sql`ALTER TABLE "BehavioralEvent" ALTER COLUMN "timeOfDay" TYPE text`;
    await f.db.sql`UPDATE "BehavioralEvent" SET "timeOfDay" = 'noon'
      WHERE id = (SELECT id FROM "BehavioralEvent" ORDER BY "timestamp" DESC, id DESC LIMIT 1)`;
    const before = await store();
    const error = (await ingest(f, "behavioral_events").catch((e) => e)) as LabbookError;
    expect(isLabbookError(error, "E_SOURCE"), String(error)).toBe(true);
    expect(error.message).toBe(
      'behavioral_events: the source table "BehavioralEvent" does not match the dataset: ' +
        'column "timeOfDay" is text, expected integer',
    );
    expect(await store()).toEqual(before);
    expect(await leftovers(f)).toEqual([]);
  });

  it("when a row is longer than labbook reads, saying how long it is", async () => {
    await f.db.sql`UPDATE "ContextMetadata" SET notes = repeat('n', ${MAX_ROW_BYTES + 1000})
      WHERE id = (SELECT id FROM "ContextMetadata" ORDER BY "timestamp", id LIMIT 1 OFFSET 3)`;
    const before = await store();
    const error = (await ingest(f, "context_metadata").catch((e) => e)) as LabbookError;
    expect(isLabbookError(error, "E_SOURCE")).toBe(true);
    const limit = `${(MAX_ROW_BYTES / 2 ** 20).toFixed(1)} MiB`;
    expect(error.message).toBe(
      `context_metadata: cannot read row 4 of the source (in "timestamp", "id" order): the row is ${limit} as CSV, ` +
        `and labbook reads rows of up to ${limit}`,
    );
    expect(error.details.join("\n").length).toBeLessThan(250);
    expect(await store()).toEqual(before);
    expect(await leftovers(f)).toEqual([]);
  });

  it("when PostgreSQL refuses the query", async () => {
    // A view with the table's columns and types, one of which fails to compute: the types pass, the query fails.
    const cols = (await f.db.sql`SELECT column_name AS c FROM information_schema.columns
      WHERE table_name = 'ContextMetadata' ORDER BY ordinal_position`) as unknown as { c: string }[];
    await f.db.sql`ALTER TABLE "ContextMetadata" RENAME TO "ContextMetadataBase"`;
    const list = cols.map(({ c }) => (c === "notes" ? `(1 / (length(coalesce(notes, '')) * 0))::text AS notes` : q(c)));
    await f.db.sql.unsafe(`CREATE VIEW "ContextMetadata" AS SELECT ${list.join(", ")} FROM "ContextMetadataBase"`);
    const before = await store();
    const error = (await ingest(f, "context_metadata").catch((e) => e)) as Error;
    expect(error.message).toMatch(/division by zero/);
    expect(await store()).toEqual(before);
    expect(await leftovers(f)).toEqual([]);
  });
});

describe("ingestPostgres: an application schema from before multiple-baseline protocols", () => {
  it('reads a missing optional column ("PhaseAssignment"."userId") as NULL, says so, and gives the same bytes', async () => {
    // Today's schema with only single-participant protocols (every userId NULL), then the same rows without the column.
    const withColumn = await fixture("pascal", async (sql) => {
      await sql`DELETE FROM "PhaseAssignment" WHERE "userId" IS NOT NULL`;
    });
    const older = await fixture("pascal", async (sql) => {
      await sql`DELETE FROM "PhaseAssignment" WHERE "userId" IS NOT NULL`;
      await sql`ALTER TABLE "PhaseAssignment" DROP COLUMN "userId"`;
    });
    try {
      const a = await ingest(withColumn, "phase_assignments");
      expect(a.warnings).toEqual([]);
      const log = memoryLogger();
      const b = await ingest(older, "phase_assignments", { log });
      const note = 'phase_assignments: the source table "PhaseAssignment" has no column "userId"; read as NULL';
      expect(b.warnings).toEqual([note]);
      expect(log.lines.join("\n")).toContain(note);
      expect(b.rowCount).toBe(a.rowCount);
      expect(b.rowCount).toBeGreaterThan(0);
      expect(b.version).toBe(a.version);
      // The record shows how the column was read.
      const record = await readRecord(older.config.lineageDir, "phase_assignments", b.version);
      expect(JSON.stringify(record)).toContain('NULL AS \\"userId\\"');
    } finally {
      await withColumn.close();
      await older.close();
    }
  });

  it("still refuses a missing column that is not optional, naming it", async () => {
    const f = await fixture("pascal", async (sql) => {
      await sql`ALTER TABLE "PhaseAssignment" DROP COLUMN "phaseLabel"`;
    });
    try {
      const error = (await ingest(f, "phase_assignments").catch((e) => e)) as LabbookError;
      expect(isLabbookError(error, "E_SOURCE"), String(error)).toBe(true);
      expect(error.message).toBe(
        'phase_assignments: the source table "PhaseAssignment" does not match the dataset: ' +
          'column "phaseLabel" is missing (expected text)',
      );
      expect(await leftovers(f)).toEqual([]);
    } finally {
      await f.close();
    }
  });
});
