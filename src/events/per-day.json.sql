-- Events per UTC day and type.
SELECT CAST("timestamp" AS DATE) AS date, "eventType", count(*) AS n
FROM events_dedup
GROUP BY ALL
ORDER BY date, "eventType"
