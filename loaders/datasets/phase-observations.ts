import { z } from "zod";
import { PHASE_TYPES } from "../sources/enums.ts";
import { behavioralEvents } from "./behavioral-events.ts";
import { date, float, int, personId, text } from "./columns.ts";
import { defineDataset } from "./define.ts";
import { compileSchema } from "./rules.ts";
import { quoteIdent, sqlString } from "../sql-quote.ts";

/** Numeric columns of behavioral_events: the outcomes a protocol may name. */
export const OUTCOME_COLUMNS: readonly string[] = compileSchema(behavioralEvents.schema)
  .filter((c) => ["INTEGER", "BIGINT", "DOUBLE"].includes(c.duckdbType))
  .map((c) => c.name);

// The outcome column is chosen per protocol by a CASE over the known columns: names come from the schema, never
// from the data, so the SQL stays a fixed text.
const outcomeValue = `CASE p."primaryOutcome" ${OUTCOME_COLUMNS.map(
  (c) => `WHEN ${sqlString(c)} THEN CAST(e.${quoteIdent(c)} AS DOUBLE)`,
).join(" ")} END`;

/**
 * The phase rule, defined here once: phases are half-open date ranges [startDate, endDate), an open end runs on, and
 * where phases overlap the later start wins (then the smaller label). Each phase belongs to a participant: its own
 * userId in a multiple-baseline protocol (each participant has their own phase dates), else the protocol's userId.
 * `PHASES_CTE` reads phase_assignments and experiment_protocols into `phases`, one row per planned phase with
 * `start_day`, `end_day` and its protocol's start, `protocol_start`; `inPhase` and `PHASE_PRECEDENCE` are the rule
 * over it. daily_user_metrics labels its days with them too.
 */
export const PHASES_CTE = `phases AS (
  SELECT a."protocolId", coalesce(a."userId", p."userId") AS "userId", a."phaseLabel", a."phaseType",
    CAST(a."startDate" AS DATE) AS start_day, CAST(a."endDate" AS DATE) AS end_day, p."startDate" AS protocol_start
  FROM phase_assignments a JOIN experiment_protocols p ON p.id = a."protocolId"
)`;

/** Whether the day `day` (a DATE) lies in the phase `ph` (a row of `phases`). */
export const inPhase = (day: string, ph = "ph") =>
  `${day} >= ${ph}.start_day AND (${ph}.end_day IS NULL OR ${day} < ${ph}.end_day)`;

/** Of the phases a day lies in, the one that wins comes first in this order. */
export const PHASE_PRECEDENCE = `ph.start_day DESC, ph."phaseLabel"`;

/** `phases`, and `spans`: each participant's first day and end (null when a phase is open-ended). */
const PHASES = `${PHASES_CTE}, spans AS (
  SELECT "protocolId", "userId", min(start_day) AS first_day,
    CASE WHEN bool_or(end_day IS NULL) THEN NULL ELSE max(end_day) END AS last_day
  FROM phases GROUP BY "protocolId", "userId"
)`;

/** Assigns each (protocol, participant, day) of `from` its phase by the rule above. */
const ASSIGN = (from: string) => `SELECT d.*, ph."phaseLabel", ph."phaseType"
  FROM ${from} d JOIN phases ph ON ph."protocolId" = d."protocolId" AND ph."userId" = d."userId"
    AND ${inPhase("d.day")}
  QUALIFY row_number() OVER (PARTITION BY d."protocolId", d."userId", d.day ORDER BY ${PHASE_PRECEDENCE}) = 1`;

/**
 * The series: per protocol, participant and UTC day on which the participant has deduplicated events with an
 * outcome value, the daily mean of the protocol's primaryOutcome, labelled by the phase rule. Days with no value are
 * missing, never zero; days outside every phase are left out. `day` counts from the protocol's start for every
 * participant, so a multiple-baseline protocol's staggered starts line up. Reads events_dedup, so an event delivered
 * twice counts once.
 */
const SERIES_SQL = `WITH ${PHASES}, participants AS (
  SELECT DISTINCT "protocolId", "userId" FROM phases
), daily AS (
  SELECT p.id AS "protocolId", pp."userId", p."primaryOutcome" AS outcome, CAST(e."timestamp" AS DATE) AS day,
    CAST(p."startDate" AS DATE) AS start_day, avg(${outcomeValue}) AS value, count(${outcomeValue}) AS events
  FROM experiment_protocols p JOIN participants pp ON pp."protocolId" = p.id
  JOIN events_dedup e ON e."userId" = pp."userId"
  GROUP BY ALL
), labelled AS (${ASSIGN("daily")})
SELECT "protocolId", "userId", outcome, CAST(day AS DATE) AS date, CAST(date_diff('day', start_day, day) AS INTEGER) AS day,
  value, CAST(events AS INTEGER) AS events, "phaseLabel", "phaseType"
FROM labelled WHERE value IS NOT NULL`;

/**
 * Days (within a protocol's span of phases) whose deduplicated events carry an experimentPhase that disagrees with
 * the phase rule's assignment, over events_dedup, experiment_protocols and phase_assignments. Events without a label
 * are not counted as disagreeing. Columns as in PhaseMismatchRow.
 */
export const PHASE_MISMATCH_SQL = `WITH ${PHASES}, labelled_events AS (
  SELECT s."protocolId", s."userId", CAST(e."timestamp" AS DATE) AS day, e."experimentPhase" AS observed
  FROM spans s JOIN events_dedup e ON e."userId" = s."userId"
  WHERE e."experimentPhase" IS NOT NULL AND CAST(e."timestamp" AS DATE) >= s.first_day
    AND (s.last_day IS NULL OR CAST(e."timestamp" AS DATE) < s.last_day)
), assigned AS (
  SELECT e.*, a."phaseLabel" AS assigned FROM labelled_events e
  LEFT JOIN (${ASSIGN(`(SELECT DISTINCT "protocolId", "userId", day FROM labelled_events)`)}) a
    ON a."protocolId" = e."protocolId" AND a."userId" = e."userId" AND a.day = e.day
)
SELECT "protocolId", "userId", strftime(day, '%Y-%m-%d') AS date, any_value(assigned) AS assigned,
  list(DISTINCT observed ORDER BY observed) AS observed, CAST(count(*) AS INTEGER) AS events
FROM assigned WHERE assigned IS DISTINCT FROM observed
GROUP BY "protocolId", "userId", day ORDER BY "protocolId", "userId", day`;

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

const schema = z.object({
  protocolId: text(),
  userId: personId(),
  /** The protocol's primaryOutcome: the behavioral_events column that `value` averages. */
  outcome: text(),
  /** YYYY-MM-DD (UTC) */
  date: date(),
  /** Days since the protocol's start date, so missing days keep their place on the time axis. */
  day: int(),
  /** The daily mean of the outcome. */
  value: float(),
  /** Deduplicated events that carried an outcome value that day. */
  events: int(1),
  phaseLabel: text(),
  phaseType: z.enum(PHASE_TYPES),
});

/** One row of phase_observations: one observed day of a protocol's series. */
export type PhaseObservation = z.infer<typeof schema>;

/**
 * The series the SCED statistics analyse, as a versioned snapshot: `labbook analyze` and the experiment pages read
 * the pinned version, so both analyse the pipeline's deduplicated events.
 */
export const phaseObservations = defineDataset({
  name: "phase_observations",
  description:
    "Per protocol, participant and UTC day inside the participant's phases: the daily mean of the protocol's primary " +
    "outcome over the deduplicated events, labelled with the phase PhaseAssignment gives that date (half-open " +
    "ranges; where phases overlap, the later start wins). Days with no outcome value have no row: missing, never zero.",
  schema,
  primaryKey: ["protocolId", "userId", "date"],
  sortKey: ["protocolId", "userId", "date"],
  derive: {
    inputs: ["events_dedup", "experiment_protocols", "phase_assignments"],
    sql: SERIES_SQL,
    // A day's value depends only on that day's events; the phase tables are read whole.
    incremental: { column: "date", inputs: { events_dedup: "timestamp" } },
  },
});

/**
 * The pinned series as the analysis reads it, over a view named phase_observations: dates as YYYY-MM-DD, in
 * protocol and day order.
 */
export const READ_PHASE_OBSERVATIONS_SQL = `SELECT "protocolId", "userId", outcome, strftime(date, '%Y-%m-%d') AS date,
    day, value, events, "phaseLabel", "phaseType"
  FROM phase_observations ORDER BY "protocolId", "userId", day`;
