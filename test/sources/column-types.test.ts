import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDataset } from "../../loaders/datasets/index.ts";
import { isLabbookError, type LabbookError } from "../../loaders/errors.ts";
import { ingestPostgres } from "../../loaders/ingest/postgres.ts";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { sourceColumnMismatches, sourceColumnTypes } from "../../loaders/sources/column-types.ts";
import { connect, type Database } from "../../loaders/sources/postgres.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";
import { createProject, type TestProject } from "../util/project.ts";
import { listTree } from "../util/tree.ts";

describe("sourceColumnMismatches", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("types");
    await db.sql.unsafe(`
      CREATE TYPE mood AS ENUM ('calm', 'tense');
      CREATE DOMAIN score AS integer CHECK (VALUE >= 0);
      CREATE TABLE "Wide" (
        small smallint, i int4, big int8, real4 real, dbl float8, num numeric(10, 2), txt text, vc varchar(20),
        ch char(3), u uuid, m mood, s score, b boolean, ts timestamp, tstz timestamptz, d date, j json, jb jsonb
      )`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  // Each case: the dataset's type, and the source columns it takes as they are and those it refuses.
  const CASES: [string, string[], string[]][] = [
    ["INTEGER", ["small", "i", "s"], ["big", "dbl", "num", "txt"]],
    ["BIGINT", ["small", "i", "big", "s"], ["dbl", "num", "txt"]],
    ["DOUBLE", ["small", "i", "real4", "dbl"], ["big", "num", "txt"]],
    ["VARCHAR", ["txt", "vc", "ch", "u", "m"], ["i", "j", "tstz"]],
    ["BOOLEAN", ["b"], ["i", "txt"]],
    ["TIMESTAMPTZ", ["tstz", "ts", "d"], ["txt", "big"]],
    ["DATE", ["d"], ["ts", "tstz", "txt"]],
    ["JSON", ["j", "jb"], ["txt"]],
  ];
  it.each(CASES)("takes %s from the types that lose nothing, and refuses the rest", async (type, pass, fail) => {
    const columns = [...pass, ...fail].map((name) => ({ name, duckdbType: type }));
    const wrong = sourceColumnMismatches(await sourceColumnTypes(db.sql, "Wide"), columns);
    expect(wrong.map((w) => w.column)).toEqual(fail);
  });

  it("names the type found as PostgreSQL prints it, and a missing column", async () => {
    const wrong = sourceColumnMismatches(await sourceColumnTypes(db.sql, "Wide"), [
      { name: "num", duckdbType: "INTEGER" },
      { name: "gone", duckdbType: "VARCHAR" },
    ]);
    expect(wrong).toEqual([
      { column: "num", expected: "integer", found: "numeric(10,2)" },
      { column: "gone", expected: "text", found: null },
    ]);
  });
});

describe("ingest refuses a source whose column types drifted, before the COPY", () => {
  let db: TestDatabase;
  let project: TestProject;
  let source: Database;
  beforeAll(async () => {
    db = await createTestDatabase("drift");
    await seedDatabase(db.sql, { ...DEFAULT_SEED_OPTIONS, users: 4, days: 10, events: 100 }, "pascal");
    project = await createProject();
    source = await connect({ ...project.config, databaseUrl: db.url });
  });
  afterAll(async () => {
    await source?.close();
    await db?.drop();
    await project?.remove();
  });

  const ingest = () =>
    ingestPostgres(getDataset("experiment_protocols"), source, "pascal", project.config).catch(
      (e: unknown) => e as LabbookError,
    );

  it("an integer column turned double precision holding 6.5, which was stored as 7", async () => {
    await db.sql`ALTER TABLE "ExperimentProtocol" ALTER COLUMN "sampleSizeTarget" TYPE double precision`;
    await db.sql`UPDATE "ExperimentProtocol" SET "sampleSizeTarget" = 6.5`;
    const error = await ingest();
    expect(isLabbookError(error, "E_SOURCE"), String(error)).toBe(true);
    expect((error as LabbookError).message).toBe(
      'experiment_protocols: the source table "ExperimentProtocol" does not match the dataset: ' +
        'column "sampleSizeTarget" is double precision, expected integer',
    );
    expect(await listTree(project.config.lineageDir)).toEqual([]);
  });

  it("a timestamp column turned text, which gave PostgreSQL's raw operator error", async () => {
    await db.sql`ALTER TABLE "ExperimentProtocol" ALTER COLUMN "sampleSizeTarget" TYPE integer USING 7`;
    await db.sql`ALTER TABLE "ExperimentProtocol" ALTER COLUMN "startDate" TYPE text`;
    const error = await ingest();
    expect(isLabbookError(error, "E_SOURCE"), String(error)).toBe(true);
    expect((error as LabbookError).message).toContain('column "startDate" is text, expected timestamp with time zone');
    expect(await listTree(project.config.lineageDir)).toEqual([]);
  });

  it("ingests once the types are back, taking types that lose nothing (smallint for integer, varchar for text)", async () => {
    await db.sql`ALTER TABLE "ExperimentProtocol" ALTER COLUMN "startDate" TYPE timestamptz USING "startDate"::timestamptz`;
    await db.sql`ALTER TABLE "ExperimentProtocol" ALTER COLUMN "sampleSizeTarget" TYPE smallint`;
    await db.sql`ALTER TABLE "ExperimentProtocol" ALTER COLUMN "protocolName" TYPE varchar(200)`;
    const result = await ingest();
    expect(isLabbookError(result), String(result)).toBe(false);
  });
});
