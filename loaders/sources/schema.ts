import { doublePrecision, index, integer, jsonb, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import {
  COMPLETION_QUALITIES,
  DESIGN_TYPES,
  ENGAGEMENT_LEVELS,
  EVENT_TYPES,
  LOCATIONS,
  MOODS,
  PHASE_TYPES,
} from "./enums.ts";

/**
 * How the application named its tables. Prisma's default is the model name, quoted ("BehavioralEvent");
 * apps that add @@map use snake_case plurals. Columns are camelCase either way.
 */
export type Naming = "pascal" | "snake";

export const TABLE_NAMES = {
  behavioralEvent: { pascal: "BehavioralEvent", snake: "behavioral_events" },
  experimentProtocol: { pascal: "ExperimentProtocol", snake: "experiment_protocols" },
  phaseAssignment: { pascal: "PhaseAssignment", snake: "phase_assignments" },
  contextMetadata: { pascal: "ContextMetadata", snake: "context_metadata" },
} as const;

export type SourceTable = keyof typeof TABLE_NAMES;

/** Postgres enum types, as Prisma creates them (used by the "pascal" schema). */
export const pgEnums = {
  eventType: pgEnum("EventType", EVENT_TYPES),
  engagementLevel: pgEnum("EngagementLevel", ENGAGEMENT_LEVELS),
  completionQuality: pgEnum("CompletionQuality", COMPLETION_QUALITIES),
  designType: pgEnum("DesignType", DESIGN_TYPES),
  phaseType: pgEnum("PhaseType", PHASE_TYPES),
  mood: pgEnum("Mood", MOODS),
  location: pgEnum("Location", LOCATIONS),
};

// Prisma's DateTime @db.Timestamptz(3)
const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "string" });

/**
 * The four application tables in drizzle-orm. With `enumTypes` the enum columns use Postgres enum types (as Prisma
 * creates them); without, plain text (as apps that mapped or migrated their schema often have). labbook reads both.
 */
export function appSchema(naming: Naming, { enumTypes = naming === "pascal" } = {}) {
  // Typed as text: the DDL is all labbook builds from these tables, and an enum column reads as text.
  const e = (kind: keyof typeof pgEnums, name: string) =>
    enumTypes ? (pgEnums[kind] as unknown as typeof text)(name) : text(name);

  const behavioralEvent = pgTable(
    TABLE_NAMES.behavioralEvent[naming],
    {
      id: text("id").primaryKey(),
      userId: text("userId").notNull(),
      eventType: e("eventType", "eventType").notNull(),
      eventData: jsonb("eventData").notNull(),
      timestamp: ts("timestamp").notNull(),
      sessionPerformanceScore: integer("sessionPerformanceScore"),
      engagementLevel: e("engagementLevel", "engagementLevel"),
      completionQuality: e("completionQuality", "completionQuality"),
      timeOfDay: integer("timeOfDay").notNull(),
      dayOfWeek: integer("dayOfWeek").notNull(),
      contentType: text("contentType"),
      difficultyLevel: text("difficultyLevel"),
      experimentPhase: text("experimentPhase"),
      randomizationSeed: integer("randomizationSeed"),
      contextMetadataId: text("contextMetadataId"),
    },
    (t) => [index(`${TABLE_NAMES.behavioralEvent[naming]}_timestamp_id_idx`).on(t.timestamp, t.id)],
  );

  const experimentProtocol = pgTable(TABLE_NAMES.experimentProtocol[naming], {
    id: text("id").primaryKey(),
    userId: text("userId").notNull(),
    protocolName: text("protocolName").notNull(),
    hypothesis: text("hypothesis").notNull(),
    startDate: ts("startDate").notNull(),
    endDate: ts("endDate"),
    designType: e("designType", "designType").notNull(),
    primaryOutcome: text("primaryOutcome").notNull(),
    sampleSizeTarget: integer("sampleSizeTarget"),
    analysisPlan: jsonb("analysisPlan"),
  });

  const phaseAssignment = pgTable(TABLE_NAMES.phaseAssignment[naming], {
    id: text("id").primaryKey(),
    protocolId: text("protocolId").notNull(),
    // The participant whose phase this is, in a protocol over several (multiple baseline); null: the protocol's.
    userId: text("userId"),
    phaseLabel: text("phaseLabel").notNull(),
    phaseType: e("phaseType", "phaseType").notNull(),
    startDate: ts("startDate").notNull(),
    endDate: ts("endDate"),
    plannedDuration: integer("plannedDuration").notNull(),
    randomizationSeed: integer("randomizationSeed"),
    interventionParams: jsonb("interventionParams"),
  });

  const contextMetadata = pgTable(TABLE_NAMES.contextMetadata[naming], {
    id: text("id").primaryKey(),
    userId: text("userId").notNull(),
    timestamp: ts("timestamp").notNull(),
    mood: e("mood", "mood"),
    energyLevel: integer("energyLevel"),
    location: e("location", "location"),
    notes: text("notes"),
    sleepHours: doublePrecision("sleepHours"),
    sleepQuality: integer("sleepQuality"),
    hrvScore: doublePrecision("hrvScore"),
    restingHeartRate: integer("restingHeartRate"),
  });

  return { behavioralEvent, experimentProtocol, phaseAssignment, contextMetadata };
}

export type AppSchema = ReturnType<typeof appSchema>;
