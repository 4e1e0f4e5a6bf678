import { z } from "zod";
import { PHASE_SERIES_SQL } from "../site/phase-series.ts";
import { PHASE_TYPES } from "../sources/enums.ts";
import { date, float, int, personId, text } from "./columns.ts";
import { defineDataset } from "./define.ts";

/**
 * The series the SCED statistics analyse, as a versioned snapshot. The SQL is the one the report pages and
 * `labbook analyze` run (loaders/site/phase-series.ts), so the pipeline and the pages cannot disagree.
 */
export const phaseObservations = defineDataset({
  name: "phase_observations",
  description:
    "Per protocol, participant and UTC day inside the protocol's phases: the daily mean of the protocol's primary " +
    "outcome, labelled with the phase PhaseAssignment gives that date. Days with no outcome value have no row: " +
    "missing, never zero.",
  schema: z.object({
    protocolId: text(),
    userId: personId(),
    /** The protocol's primaryOutcome: the behavioral_events column that `value` averages. */
    outcome: text(),
    date: date(),
    /** Days since the protocol's start date. */
    day: int(),
    value: float(),
    /** Events that carried an outcome value that day. */
    events: int(1),
    phaseLabel: text(),
    phaseType: z.enum(PHASE_TYPES),
  }),
  primaryKey: ["protocolId", "date"],
  sortKey: ["protocolId", "date"],
  derive: {
    inputs: ["behavioral_events", "experiment_protocols", "phase_assignments"],
    sql: PHASE_SERIES_SQL,
    // A day's value depends only on that day's events; the phase tables are read whole.
    incremental: { column: "date", inputs: { behavioral_events: "timestamp" } },
  },
});
