import { queryRows } from "../duckdb.ts";
import { withPinnedViews, type SiteContext } from "./context.ts";

/** Aggregates of behavioral_events for the events page: counts only, never an event or a user id. */
export interface EventsData {
  totals: { events: number; users: number; first: string | null; last: string | null };
  /** Events per UTC day and type. */
  perDay: { date: string; eventType: string; n: number }[];
  /** Events per UTC day and engagement level (null level left out). */
  engagement: { date: string; level: string; n: number }[];
  /** Events per session performance score. */
  scores: { score: number; n: number }[];
  /** Events per day of week (0 = Sunday, as the app records it) and hour of day. */
  heatmap: { dayOfWeek: number; hour: number; n: number }[];
  /** Distinct active users per ISO week (weeks start on Monday). */
  activeUsers: { week: string; users: number }[];
}

const day = `strftime(CAST("timestamp" AS DATE), '%Y-%m-%d')`;

export async function eventsData(ctx: SiteContext): Promise<EventsData> {
  return withPinnedViews(ctx, async (con) => {
    const q = <T>(sql: string) => queryRows<T>(con, sql);
    const [totals] = await q<EventsData["totals"]>(
      `SELECT CAST(count(*) AS INTEGER) AS events, CAST(count(DISTINCT "userId") AS INTEGER) AS users,
         strftime(min("timestamp"), '%Y-%m-%dT%H:%M:%SZ') AS first, strftime(max("timestamp"), '%Y-%m-%dT%H:%M:%SZ') AS last
       FROM behavioral_events`,
    );
    return {
      totals: totals!,
      perDay: await q(
        `SELECT ${day} AS date, "eventType", CAST(count(*) AS INTEGER) AS n
         FROM behavioral_events GROUP BY ALL ORDER BY date, "eventType"`,
      ),
      engagement: await q(
        `SELECT ${day} AS date, "engagementLevel" AS level, CAST(count(*) AS INTEGER) AS n
         FROM behavioral_events WHERE "engagementLevel" IS NOT NULL GROUP BY ALL ORDER BY date, level`,
      ),
      scores: await q(
        `SELECT "sessionPerformanceScore" AS score, CAST(count(*) AS INTEGER) AS n
         FROM behavioral_events WHERE "sessionPerformanceScore" IS NOT NULL GROUP BY ALL ORDER BY score`,
      ),
      heatmap: await q(
        `SELECT "dayOfWeek", "timeOfDay" AS hour, CAST(count(*) AS INTEGER) AS n
         FROM behavioral_events GROUP BY ALL ORDER BY "dayOfWeek", hour`,
      ),
      activeUsers: await q(
        `SELECT strftime(date_trunc('week', "timestamp"), '%Y-%m-%d') AS week, CAST(count(DISTINCT "userId") AS INTEGER) AS users
         FROM behavioral_events GROUP BY ALL ORDER BY week`,
      ),
    };
  });
}
