-- Events per day of week (0 = Sunday, as the app records it) and hour of day (UTC).
SELECT "dayOfWeek", "timeOfDay" AS hour, count(*) AS n
FROM events_dedup
GROUP BY ALL
ORDER BY "dayOfWeek", hour
