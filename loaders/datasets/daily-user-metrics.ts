import { z } from "zod";
import { ENGAGEMENT_LEVELS, pascalCase, PHASE_TYPES } from "../sources/enums.ts";
import { date, float, int, personId, text } from "./columns.ts";
import { defineDataset } from "./define.ts";
import { inPhase, PHASE_PRECEDENCE, PHASES_CTE } from "./phase-observations.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";

/** `engagementLow` … for each of the application's engagement levels, in their declared order. */
const ENGAGEMENT_COUNTS = ENGAGEMENT_LEVELS.map(
  (l) => `count(*) FILTER (WHERE "engagementLevel" = ${sqlString(l)}) AS ${quoteIdent(`engagement${pascalCase(l)}`)}`,
).join(",\n    ");

export const dailyUserMetrics = defineDataset({
  name: "daily_user_metrics",
  description:
    "Per user and UTC day with events: events, sessions started, their minutes, the mean score, the engagement mix " +
    "and the phase the user's protocol assigns to that day (null outside a protocol).",
  schema: z.object({
    userId: personId(),
    day: date(),
    events: int(1),
    sessions: int(0),
    /** Total length of the sessions that started that day. */
    minutes: float(),
    scoredEvents: int(0),
    scoreSum: int(0),
    meanScore: float().nullable(),
    engagementLow: int(0),
    engagementMedium: int(0),
    engagementHigh: int(0),
    phaseLabel: text().nullable(),
    phaseType: z.enum(PHASE_TYPES).nullable(),
  }),
  primaryKey: ["userId", "day"],
  sortKey: ["day", "userId"],
  derive: {
    inputs: ["events_dedup", "sessions", "experiment_protocols", "phase_assignments"],
    sql: `
WITH ev AS (
  SELECT "userId", CAST("timestamp" AS DATE) AS day,
    count(*) AS events,
    count("sessionPerformanceScore") AS "scoredEvents",
    coalesce(sum("sessionPerformanceScore"), 0) AS "scoreSum",
    ${ENGAGEMENT_COUNTS}
  FROM events_dedup
  GROUP BY ALL
),
se AS (
  -- Integer milliseconds: a sum of floats would depend on the order of the rows, and versions must be byte-stable.
  SELECT "userId", CAST(start AS DATE) AS day, count(*) AS sessions, sum(epoch_ms("end") - epoch_ms(start)) AS ms
  FROM sessions
  GROUP BY ALL
),
${PHASES_CTE}
SELECT ev.*,
  coalesce(se.sessions, 0) AS sessions,
  coalesce(se.ms, 0) / 60000.0 AS minutes,
  ev."scoreSum" / nullif(ev."scoredEvents", 0) AS "meanScore",
  ph."phaseLabel",
  ph."phaseType"
FROM ev
LEFT JOIN se USING ("userId", day)
-- Phases are half-open date ranges [startDate, endDate).
LEFT JOIN phases ph ON ph."userId" = ev."userId" AND ${inPhase("ev.day")}
-- One row per user and day: a user in overlapping protocols gets the earliest protocol's phase, and within it the
-- phase rule of phase_observations (loaders/datasets/phase-observations.ts) picks among overlapping phases.
QUALIFY row_number() OVER (
  PARTITION BY ev."userId", ev.day ORDER BY ph.protocol_start, ph."protocolId", ${PHASE_PRECEDENCE}
) = 1`,
    // Sessions count on the day they start, so every input row of day d lies at or after d's midnight.
    incremental: { column: "day", inputs: { events_dedup: "timestamp", sessions: "start" } },
  },
});
