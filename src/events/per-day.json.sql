-- Events per UTC day and type. `firstSecond` and `lastSecond`: the seconds after midnight of that day's first and last
-- event (of any type), so that the page can tell a first or last day that the data covers only in part.
WITH covered AS (
  SELECT CAST("timestamp" AS DATE) AS date,
    CAST(min(epoch("timestamp") - epoch(date_trunc('day', "timestamp"))) AS INTEGER) AS "firstSecond",
    CAST(max(epoch("timestamp") - epoch(date_trunc('day', "timestamp"))) AS INTEGER) AS "lastSecond"
  FROM behavioral_events
  GROUP BY ALL
)
SELECT CAST(e."timestamp" AS DATE) AS date, e."eventType", count(*) AS n,
  any_value(c."firstSecond") AS "firstSecond", any_value(c."lastSecond") AS "lastSecond"
FROM behavioral_events e JOIN covered c ON c.date = CAST(e."timestamp" AS DATE)
GROUP BY ALL
ORDER BY date, e."eventType"
