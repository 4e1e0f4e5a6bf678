-- Events per UTC day and type, each event counted once (events_dedup). `firstSecond` and `lastSecond`: the seconds
-- after midnight of that day's first and last event (of any type), so that the page can tell a first or last day
-- that the data covers only in part.
WITH typed AS (
  SELECT CAST("timestamp" AS DATE) AS date, "eventType", count(*) AS n,
    min(epoch("timestamp") - epoch(date_trunc('day', "timestamp"))) AS first_s,
    max(epoch("timestamp") - epoch(date_trunc('day', "timestamp"))) AS last_s
  FROM events_dedup
  GROUP BY ALL
)
SELECT date, "eventType", n,
  CAST(min(first_s) OVER (PARTITION BY date) AS INTEGER) AS "firstSecond",
  CAST(max(last_s) OVER (PARTITION BY date) AS INTEGER) AS "lastSecond"
FROM typed
ORDER BY date, "eventType"
