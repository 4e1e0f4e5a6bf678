import { z } from "zod";
import { COMPLETION_QUALITIES, ENGAGEMENT_LEVELS, EVENT_TYPES } from "../sources/enums.ts";
import { cuid, int, json, text, timestamp } from "./columns.ts";
import { defineDataset } from "./define.ts";

export const behavioralEvents = defineDataset({
  name: "behavioral_events",
  description: "Every behavioral event the application recorded, one row per event.",
  source: { kind: "postgres", table: "behavioralEvent", timeColumn: "timestamp", userColumn: "userId" },
  schema: z.object({
    id: cuid(),
    userId: text(),
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
});
