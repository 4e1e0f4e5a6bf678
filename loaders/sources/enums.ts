/** The application's enum values, as Prisma declares them. The source schema, the seed and the zod rules all read these. */
export const EVENT_TYPES = [
  "MISSION_STARTED",
  "MISSION_COMPLETED",
  "CARD_REVIEWED",
  "VALIDATION_COMPLETED",
  "SESSION_STARTED",
  "SESSION_ENDED",
  "LECTURE_UPLOADED",
] as const;
export const ENGAGEMENT_LEVELS = ["LOW", "MEDIUM", "HIGH"] as const;
export const COMPLETION_QUALITIES = ["RUSHED", "NORMAL", "THOROUGH"] as const;
export const DESIGN_TYPES = ["ABAB", "MULTIPLE_BASELINE", "ALTERNATING", "CHANGING_CRITERION"] as const;
export const PHASE_TYPES = ["BASELINE", "INTERVENTION_A", "INTERVENTION_B", "WASHOUT"] as const;
export const MOODS = ["LOW", "MEDIUM", "HIGH"] as const;
export const LOCATIONS = ["HOME", "LIBRARY", "CAFE", "CAMPUS", "OTHER"] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type PhaseType = (typeof PHASE_TYPES)[number];

/** An enum value as the tail of a column name: `INTERVENTION_A` → `InterventionA`, `LOW` → `Low`. */
export const pascalCase = (value: string): string =>
  value
    .toLowerCase()
    .split("_")
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
