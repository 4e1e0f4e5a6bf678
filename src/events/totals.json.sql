-- One row: how many events and users, and the span of time they cover.
SELECT count(*) AS events, count(DISTINCT "userId") AS users, min("timestamp") AS first, max("timestamp") AS last
FROM events_dedup
