-- Distinct active users per ISO week (weeks start on Monday), and how many of the week's 7 days the data cover: the
-- first and last week are partial when the data start or end inside them.
WITH span AS (
  SELECT min(CAST("timestamp" AS DATE)) AS first_day, max(CAST("timestamp" AS DATE)) AS last_day FROM events_dedup
)
SELECT CAST(date_trunc('week', "timestamp") AS DATE) AS week, count(DISTINCT "userId") AS users,
  CAST(date_diff('day', greatest(CAST(date_trunc('week', "timestamp") AS DATE), any_value(first_day)),
    least(CAST(date_trunc('week', "timestamp") AS DATE) + 6, any_value(last_day))) + 1 AS INTEGER) AS "coveredDays"
FROM events_dedup, span
GROUP BY week
ORDER BY week
