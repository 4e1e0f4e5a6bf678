import { z } from "zod";
import { COMPLETION_QUALITIES, ENGAGEMENT_LEVELS, EVENT_TYPES } from "../sources/enums.ts";
import { cuid, int, json, personId, text, timestamp } from "./columns.ts";
import { defineDataset } from "./define.ts";

/**
 * What makes two events the same event: a retried client write stores it again under a new id, with the same user,
 * type, timestamp and data. The duplicate check here and the dedup stage (events_dedup) both use this key.
 */
export const DUPLICATE_KEY = ["userId", "eventType", "timestamp", "eventData"] as const;

export const behavioralEvents = defineDataset({
  name: "behavioral_events",
  description: "Every behavioral event the application recorded, one row per event.",
  source: { kind: "postgres", table: "behavioralEvent", timeColumn: "timestamp", userColumn: "userId" },
  schema: z.object({
    id: cuid(),
    userId: personId(),
    eventType: z.enum(EVENT_TYPES),
    eventData: json(),
    timestamp: timestamp(),
    sessionPerformanceScore: int(0, 100).nullable(),
    engagementLevel: z.enum(ENGAGEMENT_LEVELS).nullable(),
    completionQuality: z.enum(COMPLETION_QUALITIES).nullable(),
    timeOfDay: int(0, 23),
    dayOfWeek: int(0, 6),
    contentType: text().nullable(),
    difficultyLevel: text().nullable(),
    experimentPhase: text().nullable(),
    randomizationSeed: int().nullable(),
    contextMetadataId: text().nullable(),
  }),
  primaryKey: ["id"],
  sortKey: ["timestamp", "id"],
  // By day, as events_dedup is: a run after an incremental ingest then reads only the changed days of this input.
  partitioning: { column: "timestamp", grain: "day" },
  checks: [
    // not_null, accepted_values and in_range come from the schema (schema-checks.ts).
    { type: "unique", columns: ["id"] },
    {
      type: "duplicate_count",
      columns: [...DUPLICATE_KEY],
      max: 0,
      description: "A retried client write stores the same event twice under a new id.",
    },
    {
      type: "relationships",
      columns: ["userId", "experimentPhase"],
      // Phases belong to protocols, and protocols to users: join experiment_protocols to reach the user. A phase of
      // a multiple-baseline participant names its user itself.
      to: {
        dataset: "phase_assignments",
        columns: [["userId", "experiment_protocols.userId"], "phaseLabel"],
        via: [{ dataset: "experiment_protocols", on: { protocolId: "id" } }],
      },
      description: "An event's phase label is one of the phases of its user's protocol.",
    },
    {
      type: "no_gaps",
      column: "timestamp",
      by: "userId",
      within: { dataset: "experiment_protocols", key: "userId", start: "startDate", end: "endDate" },
      description:
        "A protocol participant records events on every day of the protocol; a missing day breaks the series.",
    },
    {
      type: "relationships",
      columns: ["contextMetadataId"],
      to: { dataset: "context_metadata", columns: ["id"] },
      severity: "warn",
      description: "The context row an event points to was ingested too.",
    },
    {
      type: "freshness",
      column: "timestamp",
      maxAge: "2d",
      // Data-relative, not wall-clock: the demo data sits at a fixed epoch (see loaders/quality/README.md).
      reference: { dataset: "context_metadata", column: "timestamp" },
      severity: "warn",
      description: "Events keep up with the context data: the event stream has not stalled.",
    },
    { type: "row_count_between", min: 1, severity: "warn", description: "An empty selection is legal but suspicious." },
    { type: "schema_unchanged", severity: "warn" },
    {
      type: "volume_anomaly",
      column: "timestamp",
      severity: "warn",
      description: "No day holds far fewer or far more events than the same weekday in the weeks before it.",
    },
    {
      type: "row_count_change",
      max: "20%",
      description: "A new version moves the event count by at most 20% against the compared version.",
    },
    {
      type: "null_rate_change",
      columns: ["sessionPerformanceScore", "engagementLevel", "experimentPhase", "contextMetadataId"],
      max: "5%",
      severity: "warn",
      description: "The share of missing values of a column moves by at most 5 points.",
    },
    {
      type: "distribution_shift",
      column: "sessionPerformanceScore",
      method: "psi",
      severity: "warn",
      description: "The scores' distribution is stable: PSI at most 0.25 over the compared version's deciles.",
    },
    {
      type: "category_shift",
      column: "eventType",
      severity: "warn",
      description: "No event type appears or vanishes.",
    },
    {
      type: "settled_rows_changed",
      column: "timestamp",
      olderThan: "30d",
      reference: "newest",
      severity: "warn",
      description: "Events more than 30 days older than the newest one are history: none is changed or deleted.",
    },
  ],
});
