import { behavioralEvents, DUPLICATE_KEY } from "./behavioral-events.ts";
import { defineDataset } from "./define.ts";
import { quoteIdent } from "../sql-quote.ts";

export const eventsDedup = defineDataset({
  name: "events_dedup",
  description:
    "Behavioral events with exact duplicates removed: rows with the same user, type, timestamp and data count once " +
    "(the smallest id is kept). The lineage run facet reports how many were dropped.",
  // The same columns as the source: a dedup changes rows, never the shape.
  schema: behavioralEvents.schema,
  primaryKey: ["id"],
  sortKey: ["timestamp", "id"],
  // As large as behavioral_events, and day-local: a run after a change of old events rewrites only their days.
  partitioning: { column: "timestamp", grain: "day" },
  checks: [
    {
      type: "duplicate_count",
      columns: [...DUPLICATE_KEY],
      description: "The dedup left no exact duplicate behind.",
    },
  ],
  derive: {
    inputs: ["behavioral_events"],
    sql: `
SELECT *
FROM behavioral_events
-- A retried client write gets a new id but the same content; jsonb text is normalised, so equal data is equal text.
QUALIFY row_number() OVER (
  PARTITION BY ${DUPLICATE_KEY.map((c) => (c === "eventData" ? `CAST(${quoteIdent(c)} AS VARCHAR)` : quoteIdent(c))).join(", ")}
  ORDER BY id
) = 1`,
    summary: `SELECT (SELECT count(*) FROM behavioral_events) - (SELECT count(*) FROM stage_output) AS dropped`,
    // Duplicates share a timestamp, so they always fall on the same side of a day cutoff.
    incremental: { column: "timestamp", inputs: { behavioral_events: "timestamp" } },
  },
});
