import { z } from "zod";
import { date, float, int, text } from "./columns.ts";
import { pascalCase, PHASE_TYPES, type PhaseType } from "../sources/enums.ts";
import { defineDataset } from "./define.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";

/** Mean score of one phase type in a week, from exact integer sums. */
const meanOf = (phaseType: PhaseType) =>
  `sum("scoreSum") FILTER (WHERE "phaseType" = ${sqlString(phaseType)}) / ` +
  `nullif(sum("scoredEvents") FILTER (WHERE "phaseType" = ${sqlString(phaseType)}), 0)`;

/** `meanScoreBaseline` … for each of the application's phase types, in their declared order. */
const PHASE_MEANS = PHASE_TYPES.map((t) => `${meanOf(t)} AS ${quoteIdent(`meanScore${pascalCase(t)}`)}`).join(",\n  ");

export const weeklyMetrics = defineDataset({
  name: "weekly_metrics",
  description:
    "Per ISO week (Monday to Sunday, UTC): active users, events, sessions, the mean score, and the mean score per " +
    "phase type. Means weigh every scored event equally.",
  schema: z.object({
    week: text(),
    weekStart: date(),
    activeUsers: int(1),
    events: int(0),
    sessions: int(0),
    meanScore: float().nullable(),
    meanScoreBaseline: float().nullable(),
    meanScoreInterventionA: float().nullable(),
    meanScoreInterventionB: float().nullable(),
    meanScoreWashout: float().nullable(),
  }),
  primaryKey: ["week"],
  sortKey: ["weekStart", "week"],
  derive: {
    inputs: ["daily_user_metrics"],
    sql: `
SELECT
  strftime(date_trunc('week', day), '%G-W%V') AS week,
  CAST(date_trunc('week', day) AS DATE) AS "weekStart",
  count(DISTINCT "userId") AS "activeUsers",
  sum(events) AS events,
  sum(sessions) AS sessions,
  sum("scoreSum") / nullif(sum("scoredEvents"), 0) AS "meanScore",
  ${PHASE_MEANS}
FROM daily_user_metrics
GROUP BY ALL`,
    incremental: { column: "weekStart", align: "isoweek", inputs: { daily_user_metrics: "day" } },
  },
});
