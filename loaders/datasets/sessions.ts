import { z } from "zod";
import { float, int, personId, text, time } from "./columns.ts";
import { defineDataset } from "./define.ts";

/**
 * A session starts at a user's first event, at SESSION_STARTED, after SESSION_ENDED, and after a silence of more than
 * 30 minutes. The gap rule is what cuts sessions of clients that send no markers, and it also closes a session whose
 * SESSION_ENDED was lost.
 */
export const sessions = defineDataset({
  name: "sessions",
  description:
    "One row per user session, cut at SESSION_STARTED/SESSION_ENDED and at silences over 30 minutes. The session id " +
    "is the id of its first event.",
  schema: z.object({
    sessionId: text(),
    userId: personId(),
    start: time(),
    end: time(),
    durationSeconds: float(),
    events: int(1),
    meanScore: float().nullable(),
    dominantContentType: text().nullable(),
  }),
  primaryKey: ["sessionId"],
  sortKey: ["start", "sessionId"],
  derive: {
    inputs: ["events_dedup"],
    sql: `
WITH ordered AS (
  SELECT "userId", id, "timestamp", "eventType", "sessionPerformanceScore", "contentType",
    lag("timestamp") OVER w AS prev_ts,
    lag("eventType") OVER w AS prev_type
  FROM events_dedup
  WINDOW w AS (PARTITION BY "userId" ORDER BY "timestamp", id)
),
numbered AS (
  SELECT *,
    sum(CASE WHEN prev_ts IS NULL
               OR "eventType" = 'SESSION_STARTED'
               OR prev_type = 'SESSION_ENDED'
               OR "timestamp" - prev_ts > INTERVAL 30 MINUTE
             THEN 1 ELSE 0 END)
      OVER (PARTITION BY "userId" ORDER BY "timestamp", id ROWS UNBOUNDED PRECEDING) AS n
  FROM ordered
),
content AS (
  -- The most frequent content type; ties go to the first name, so the result is deterministic.
  SELECT "userId", n, "contentType"
  FROM numbered
  WHERE "contentType" IS NOT NULL
  GROUP BY "userId", n, "contentType"
  QUALIFY row_number() OVER (PARTITION BY "userId", n ORDER BY count(*) DESC, "contentType") = 1
)
SELECT
  first(e.id ORDER BY e."timestamp", e.id) AS "sessionId",
  e."userId",
  min(e."timestamp") AS start,
  max(e."timestamp") AS "end",
  (epoch_ms(max(e."timestamp")) - epoch_ms(min(e."timestamp"))) / 1000.0 AS "durationSeconds",
  count(*) AS events,
  avg(e."sessionPerformanceScore") AS "meanScore",
  any_value(c."contentType") AS "dominantContentType"
FROM numbered e
LEFT JOIN content c USING ("userId", n)
GROUP BY e."userId", e.n`,
  },
});
