import type { Sql } from "postgres";
import type { Naming } from "../../loaders/sources/schema.ts";
import { tables } from "./_tables.ts";

export interface PhaseMeans {
  protocolId: string;
  baseline: number;
  intervention: number;
  days: number;
}

/**
 * Per protocol, the mean of the participant's daily mean score over baseline days and over intervention days. Days are
 * assigned to phases by the PhaseAssignment dates, not by the events' own labels.
 */
export async function phaseMeans(sql: Sql, naming: Naming): Promise<PhaseMeans[]> {
  const t = tables(naming);
  const rows = await sql.unsafe<{ protocolId: string; baseline: number; intervention: number; days: number }[]>(`
    WITH daily AS (
      SELECT "userId", date_trunc('day', timestamp, 'UTC') AS day, avg("sessionPerformanceScore") AS score
      FROM ${t.events} WHERE "sessionPerformanceScore" IS NOT NULL GROUP BY 1, 2
    )
    SELECT p.id AS "protocolId",
      avg(d.score) FILTER (WHERE a."phaseType"::text = 'BASELINE')::float8 AS baseline,
      avg(d.score) FILTER (WHERE a."phaseType"::text <> 'BASELINE')::float8 AS intervention,
      count(*)::int AS days
    FROM ${t.protocols} p
    JOIN ${t.phases} a ON a."protocolId" = p.id
    JOIN daily d ON d."userId" = p."userId" AND d.day >= a."startDate" AND d.day < a."endDate"
    GROUP BY p.id ORDER BY p.id`);
  return rows;
}
