import { z } from "zod";
import { date, float, int, text } from "./columns.ts";
import { defineDataset } from "./define.ts";

/** Mean score of one phase type in a week, from exact integer sums. */
const meanOf = (phaseType: string) =>
  `sum("scoreSum") FILTER (WHERE "phaseType" = '${phaseType}') / ` +
  `nullif(sum("scoredEvents") FILTER (WHERE "phaseType" = '${phaseType}'), 0)`;

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
  ${meanOf("BASELINE")} AS "meanScoreBaseline",
  ${meanOf("INTERVENTION_A")} AS "meanScoreInterventionA",
  ${meanOf("INTERVENTION_B")} AS "meanScoreInterventionB",
  ${meanOf("WASHOUT")} AS "meanScoreWashout"
FROM daily_user_metrics
GROUP BY ALL`,
    incremental: { column: "weekStart", align: "isoweek", inputs: { daily_user_metrics: "day" } },
  },
});
