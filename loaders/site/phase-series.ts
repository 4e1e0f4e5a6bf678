import type { DuckDBConnection } from "@duckdb/node-api";
import { behavioralEvents } from "../datasets/behavioral-events.ts";
import { compileSchema, quoteIdent, sqlString } from "../datasets/rules.ts";
import { queryRows } from "../duckdb.ts";

/**
 * The daily series of every protocol's primary outcome: one row per protocol and day on which the participant has
 * events with an outcome value, labelled with the phase that phase_assignments gives that date. This is the one
 * definition of the series; the report pages, `labbook analyze` and the pipeline all read it from here.
 *
 * - The outcome is the protocol's `primaryOutcome`, a numeric column of behavioral_events, averaged per UTC day.
 * - Phases are half-open date ranges [startDate, endDate); an open end runs on. If phases overlap, the later start wins.
 * - Days with no events (or no outcome value) are missing, never zero. Days outside every phase are left out.
 */
export interface PhaseSeriesRow {
  protocolId: string;
  /** The raw user id: pseudonymize it before it reaches a page. */
  userId: string;
  outcome: string;
  /** YYYY-MM-DD (UTC) */
  date: string;
  /** Days since the protocol's start date, so missing days keep their place on the time axis. */
  day: number;
  /** The daily mean of the outcome. */
  value: number;
  /** Events that carried an outcome value that day. */
  events: number;
  phaseLabel: string;
  phaseType: string;
}

/** A day on which events carry an `experimentPhase` other than the phase assigned to that date. */
export interface PhaseMismatchRow {
  protocolId: string;
  userId: string;
  date: string;
  /** The phase assigned to the date, or null when the date falls between phases. */
  assigned: string | null;
  /** The distinct labels the disagreeing events carry. */
  observed: string[];
  events: number;
}

/** Numeric columns of behavioral_events: the outcomes a protocol may name. */
export const OUTCOME_COLUMNS: readonly string[] = compileSchema(behavioralEvents.schema)
  .filter((c) => ["INTEGER", "BIGINT", "DOUBLE"].includes(c.duckdbType))
  .map((c) => c.name);

// The outcome column is chosen per protocol by a CASE over the known columns: names come from the schema, never
// from the data, so the SQL stays a fixed text (usable as a derivation in the pipeline).
const outcomeValue = `CASE p."primaryOutcome" ${OUTCOME_COLUMNS.map(
  (c) => `WHEN ${sqlString(c)} THEN CAST(e.${quoteIdent(c)} AS DOUBLE)`,
).join(" ")} END`;

const PHASES = `phases AS (
  SELECT "protocolId", "phaseLabel", "phaseType", CAST("startDate" AS DATE) AS start_day, CAST("endDate" AS DATE) AS end_day
  FROM phase_assignments
), spans AS (
  SELECT "protocolId", min(start_day) AS first_day, CASE WHEN bool_or(end_day IS NULL) THEN NULL ELSE max(end_day) END AS last_day
  FROM phases GROUP BY "protocolId"
)`;

/** Assigns each (protocol, day) its phase: the covering range with the latest start. */
const ASSIGN = (from: string) => `SELECT d.*, ph."phaseLabel", ph."phaseType"
  FROM ${from} d JOIN phases ph ON ph."protocolId" = d."protocolId"
    AND d.day >= ph.start_day AND (ph.end_day IS NULL OR d.day < ph.end_day)
  QUALIFY row_number() OVER (PARTITION BY d."protocolId", d.day ORDER BY ph.start_day DESC, ph."phaseLabel") = 1`;

/** SQL over the views behavioral_events, experiment_protocols and phase_assignments; columns as in PhaseSeriesRow. */
export const PHASE_SERIES_SQL = `WITH ${PHASES}, daily AS (
  SELECT p.id AS "protocolId", p."userId", p."primaryOutcome" AS outcome, CAST(e."timestamp" AS DATE) AS day,
    CAST(p."startDate" AS DATE) AS start_day, avg(${outcomeValue}) AS value, count(${outcomeValue}) AS events
  FROM experiment_protocols p JOIN behavioral_events e ON e."userId" = p."userId"
  GROUP BY ALL
), labelled AS (${ASSIGN("daily")})
SELECT "protocolId", "userId", outcome, strftime(day, '%Y-%m-%d') AS date, CAST(date_diff('day', start_day, day) AS INTEGER) AS day,
  value, CAST(events AS INTEGER) AS events, "phaseLabel", "phaseType"
FROM labelled WHERE value IS NOT NULL
ORDER BY "protocolId", labelled.day`;

/**
 * SQL for the days (within a protocol's span of phases) whose events carry an experimentPhase that disagrees with the
 * assignment. Events without a label are not counted as disagreeing.
 */
export const PHASE_MISMATCH_SQL = `WITH ${PHASES}, labelled_events AS (
  SELECT p.id AS "protocolId", p."userId", CAST(e."timestamp" AS DATE) AS day, e."experimentPhase" AS observed
  FROM experiment_protocols p JOIN behavioral_events e ON e."userId" = p."userId"
  JOIN spans s ON s."protocolId" = p.id
  WHERE e."experimentPhase" IS NOT NULL AND CAST(e."timestamp" AS DATE) >= s.first_day
    AND (s.last_day IS NULL OR CAST(e."timestamp" AS DATE) < s.last_day)
), assigned AS (
  SELECT e.*, a."phaseLabel" AS assigned FROM labelled_events e
  LEFT JOIN (${ASSIGN(`(SELECT DISTINCT "protocolId", day FROM labelled_events)`)}) a
    ON a."protocolId" = e."protocolId" AND a.day = e.day
)
SELECT "protocolId", "userId", strftime(day, '%Y-%m-%d') AS date, any_value(assigned) AS assigned,
  list(DISTINCT observed ORDER BY observed) AS observed, CAST(count(*) AS INTEGER) AS events
FROM assigned WHERE assigned IS DISTINCT FROM observed
GROUP BY "protocolId", "userId", day ORDER BY "protocolId", day`;

/** One phase of a protocol as phase_assignments plans it. */
export interface PhaseAssignmentRow {
  protocolId: string;
  label: string;
  type: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  start: string;
  /** YYYY-MM-DD (UTC), exclusive; null when open-ended. */
  end: string | null;
  plannedDuration: number;
}

/** SQL over the view phase_assignments: every planned phase, in protocol and start order. */
export const PHASE_ASSIGNMENTS_SQL = `SELECT "protocolId", "phaseLabel" AS label, "phaseType" AS type,
    strftime("startDate", '%Y-%m-%d') AS start, strftime("endDate", '%Y-%m-%d') AS "end", "plannedDuration"
  FROM phase_assignments ORDER BY "protocolId", "startDate", "phaseLabel"`;

/** Reads the planned phases from a connection with phase_assignments attached as a view. */
export async function readPhaseAssignments(con: DuckDBConnection): Promise<PhaseAssignmentRow[]> {
  return queryRows<PhaseAssignmentRow>(con, PHASE_ASSIGNMENTS_SQL);
}

/** Reads the series and the disagreeing days from a connection with the three datasets attached as views. */
export async function readPhaseSeries(
  con: DuckDBConnection,
): Promise<{ series: PhaseSeriesRow[]; mismatches: PhaseMismatchRow[] }> {
  return {
    series: await queryRows<PhaseSeriesRow>(con, PHASE_SERIES_SQL),
    mismatches: await queryRows<PhaseMismatchRow>(con, PHASE_MISMATCH_SQL),
  };
}
