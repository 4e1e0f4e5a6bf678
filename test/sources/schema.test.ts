import type { Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDatabase } from "../../loaders/seed/load.ts";
import { DEFAULT_SEED_OPTIONS } from "../../loaders/seed/plan.ts";
import { TABLE_NAMES, type Naming, type SourceTable } from "../../loaders/sources/schema.ts";
import { createTestDatabase, type TestDatabase } from "../util/pg.ts";

// The application schema as issue 2 specifies it (Prisma's models), written out on purpose rather than read from
// loaders/sources/schema.ts. "enum X" is a Postgres enum type under the pascal naming and plain text under snake.
const EXPECTED: Record<SourceTable, Record<string, string>> = {
  behavioralEvent: {
    id: "text not null",
    userId: "text not null",
    eventType: "enum EventType not null",
    eventData: "jsonb not null",
    timestamp: "timestamptz(3) not null",
    sessionPerformanceScore: "integer",
    engagementLevel: "enum EngagementLevel",
    completionQuality: "enum CompletionQuality",
    timeOfDay: "integer not null",
    dayOfWeek: "integer not null",
    contentType: "text",
    difficultyLevel: "text",
    experimentPhase: "text",
    randomizationSeed: "integer",
    contextMetadataId: "text",
  },
  experimentProtocol: {
    id: "text not null",
    userId: "text not null",
    protocolName: "text not null",
    hypothesis: "text not null",
    startDate: "timestamptz(3) not null",
    endDate: "timestamptz(3)",
    designType: "enum DesignType not null",
    primaryOutcome: "text not null",
    sampleSizeTarget: "integer",
    analysisPlan: "jsonb",
  },
  phaseAssignment: {
    id: "text not null",
    protocolId: "text not null",
    phaseLabel: "text not null",
    phaseType: "enum PhaseType not null",
    startDate: "timestamptz(3) not null",
    endDate: "timestamptz(3)",
    plannedDuration: "integer not null",
    randomizationSeed: "integer",
    interventionParams: "jsonb",
    // Added for multiple-baseline protocols (issue 21): the participant a phase belongs to; NULL is the protocol's own.
    userId: "text",
  },
  contextMetadata: {
    id: "text not null",
    userId: "text not null",
    timestamp: "timestamptz(3) not null",
    mood: "enum Mood",
    energyLevel: "integer",
    location: "enum Location",
    notes: "text",
    sleepHours: "double precision",
    sleepQuality: "integer",
    hrvScore: "double precision",
    restingHeartRate: "integer",
  },
};

const EXPECTED_ENUMS: Record<string, string[]> = {
  EventType: [
    "MISSION_STARTED",
    "MISSION_COMPLETED",
    "CARD_REVIEWED",
    "VALIDATION_COMPLETED",
    "SESSION_STARTED",
    "SESSION_ENDED",
    "LECTURE_UPLOADED",
  ],
  EngagementLevel: ["LOW", "MEDIUM", "HIGH"],
  CompletionQuality: ["RUSHED", "NORMAL", "THOROUGH"],
  DesignType: ["ABAB", "MULTIPLE_BASELINE", "ALTERNATING", "CHANGING_CRITERION"],
  PhaseType: ["BASELINE", "INTERVENTION_A", "INTERVENTION_B", "WASHOUT"],
  Mood: ["LOW", "MEDIUM", "HIGH"],
  Location: ["HOME", "LIBRARY", "CAFE", "CAMPUS", "OTHER"],
};

function expectedColumns(table: SourceTable, naming: Naming): Record<string, string> {
  const columns = EXPECTED[table];
  if (naming === "pascal") return columns;
  return Object.fromEntries(Object.entries(columns).map(([c, t]) => [c, t.replace(/^enum \w+/, "text")]));
}

/** Each column of a table as "<type>[ not null]", read from the catalog. */
async function actualColumns(sql: Sql, table: string): Promise<Record<string, string>> {
  const rows = await sql<{ column_name: string; type: string }[]>`
    SELECT column_name,
      CASE
        WHEN data_type = 'USER-DEFINED' AND t.typtype = 'e' THEN 'enum ' || udt_name
        WHEN data_type = 'USER-DEFINED' THEN 'user-defined ' || udt_name
        WHEN data_type = 'timestamp with time zone' THEN 'timestamptz(' || datetime_precision || ')'
        ELSE data_type
      END || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END AS type
    FROM information_schema.columns c
    LEFT JOIN pg_type t ON t.typname = c.udt_name AND t.typnamespace = c.udt_schema::regnamespace
    WHERE table_schema = current_schema() AND table_name = ${table}
    ORDER BY ordinal_position`;
  return Object.fromEntries(rows.map((r) => [r.column_name, r.type]));
}

async function primaryKey(sql: Sql, table: string): Promise<string[]> {
  const rows = await sql<{ column_name: string }[]>`
    SELECT k.column_name
    FROM information_schema.table_constraints tc
    JOIN information_schema.key_column_usage k
      ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema AND k.table_name = tc.table_name
    WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND tc.table_name = ${table}
    ORDER BY k.ordinal_position`;
  return rows.map((r) => r.column_name);
}

const tables = Object.keys(EXPECTED) as SourceTable[];

describe.each(["pascal", "snake"] as const)("application tables, %s naming", (naming) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.sql, { ...DEFAULT_SEED_OPTIONS, users: 4, days: 10, events: 200 }, naming);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(tables)("%s has the specified columns and types", async (table) => {
    expect(await actualColumns(db.sql, TABLE_NAMES[table][naming])).toEqual(expectedColumns(table, naming));
  });

  it.each(tables)("%s has the primary key (id)", async (table) => {
    expect(await primaryKey(db.sql, TABLE_NAMES[table][naming])).toEqual(["id"]);
  });

  it("indexes events by (timestamp, id)", async () => {
    const name = TABLE_NAMES.behavioralEvent[naming];
    const [row] = await db.sql<{ indexdef: string }[]>`
      SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ${name}
        AND indexname <> ${`${name}_pkey`}`;
    expect(row?.indexdef).toMatch(/\("timestamp", id\)$/);
  });

  it(naming === "pascal" ? "creates the enum types with their values" : "creates no enum types", async () => {
    const rows = await db.sql<{ typname: string; labels: string[] }[]>`
      SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typnamespace = current_schema()::regnamespace
      GROUP BY t.typname`;
    const actual = Object.fromEntries(rows.map((r) => [r.typname, r.labels]));
    expect(actual).toEqual(naming === "pascal" ? EXPECTED_ENUMS : {});
  });
});
