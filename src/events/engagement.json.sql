-- Events per UTC day and engagement level (events without a level left out).
SELECT CAST("timestamp" AS DATE) AS date, "engagementLevel" AS level, count(*) AS n
FROM events_dedup
WHERE "engagementLevel" IS NOT NULL
GROUP BY ALL
ORDER BY date, level
