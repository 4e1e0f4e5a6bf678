-- Events per session performance score.
SELECT "sessionPerformanceScore" AS score, count(*) AS n
FROM events_dedup
WHERE "sessionPerformanceScore" IS NOT NULL
GROUP BY ALL
ORDER BY score
