-- Distinct active users per ISO week (weeks start on Monday).
SELECT CAST(date_trunc('week', "timestamp") AS DATE) AS week, count(DISTINCT "userId") AS users
FROM behavioral_events
GROUP BY ALL
ORDER BY week
