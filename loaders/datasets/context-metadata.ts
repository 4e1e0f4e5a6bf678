import { z } from "zod";
import { LOCATIONS, MOODS } from "../sources/enums.ts";
import { cuid, float, int, personId, text, timestamp } from "./columns.ts";
import { defineDataset } from "./define.ts";

export const contextMetadata = defineDataset({
  name: "context_metadata",
  description: "Self-reported and wearable context per user and day: mood, energy, sleep, heart rate.",
  source: { kind: "postgres", table: "contextMetadata", timeColumn: "timestamp", userColumn: "userId" },
  schema: z.object({
    id: cuid(),
    userId: personId(),
    timestamp: timestamp(),
    mood: z.enum(MOODS).nullable(),
    energyLevel: int(1, 10).nullable(),
    location: z.enum(LOCATIONS).nullable(),
    notes: text().nullable(),
    sleepHours: float().nullable(),
    sleepQuality: int(1, 10).nullable(),
    hrvScore: float().nullable(),
    restingHeartRate: int().nullable(),
  }),
  primaryKey: ["id"],
  sortKey: ["timestamp", "id"],
  checks: [
    { type: "unique", columns: ["id"] },
    { type: "duplicate_count", columns: ["userId", "timestamp"], severity: "warn" },
    { type: "in_range", column: "sleepHours", min: 0, max: 24 },
    { type: "in_range", column: "restingHeartRate", min: 25, max: 220, severity: "warn" },
    { type: "schema_unchanged", severity: "warn" },
  ],
});
