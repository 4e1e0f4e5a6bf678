import type { DuckDBConnection } from "@duckdb/node-api";
import {
  analyzeSeries,
  summarizePhases,
  type PhaseSummaryRow,
  type ProtocolAnalysis,
  type SeriesPoint,
} from "../analysis/index.ts";
import type { Config } from "../config.ts";
import { queryRows, withDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
import { pinSet, readPins } from "../lineage/pins.ts";
import {
  PHASE_MISMATCH_SQL,
  READ_PHASE_OBSERVATIONS_SQL,
  type PhaseMismatchRow,
  type PhaseObservation,
} from "../datasets/phase-observations.ts";
import { attachPinned } from "../store/pinned.ts";

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

/** Every planned phase, over the view phase_assignments, in protocol and start order. */
const PHASE_ASSIGNMENTS_SQL = `SELECT "protocolId", "phaseLabel" AS label, "phaseType" AS type,
    strftime("startDate", '%Y-%m-%d') AS start, strftime("endDate", '%Y-%m-%d') AS "end", "plannedDuration"
  FROM phase_assignments ORDER BY "protocolId", "startDate", "phaseLabel"`;

/** Reads the planned phases from a connection with phase_assignments attached as a view. */
export async function readPhaseAssignments(con: DuckDBConnection): Promise<PhaseAssignmentRow[]> {
  return queryRows<PhaseAssignmentRow>(con, PHASE_ASSIGNMENTS_SQL);
}

export interface ProtocolResult {
  id: string;
  name: string;
  designType: string;
  hypothesis: string;
  primaryOutcome: string;
  /** The planned phases, in start order. */
  phases: Omit<PhaseAssignmentRow, "protocolId">[];
  /** The observed days; `events` counts the events with an outcome value that day. */
  series: (SeriesPoint & { events: number })[];
  /** One row per planned phase (n = 0 for a phase without observed days), given even when `analysis` is not. */
  summary: PhaseSummaryRow[];
  /** Days whose events carry another experimentPhase than the assignment. */
  mismatches: PhaseMismatchRow[];
  /** Effect sizes, randomization test and piecewise fit; each part the data do not allow says why it is missing. */
  analysis: ProtocolAnalysis;
}

/**
 * The datasets the analysis reads: `labbook analyze` and the experiment pages' loader (which declares these). The
 * series is the pipeline's phase_observations; events_dedup gives the days whose events carry another phase label.
 */
export const ANALYSIS_READS = [
  "phase_observations",
  "events_dedup",
  "experiment_protocols",
  "phase_assignments",
] as const;

/** `analyzeProtocols` over a pin set's datasets, after checking that the set pins each one the analysis reads. */
export async function analyzePinned(config: Config, set: string, only?: string): Promise<ProtocolResult[]> {
  const pins = await readPins(config.lineageDir);
  const chosen = pinSet(pins, set);
  const unpinned = ANALYSIS_READS.filter((d) => !chosen[d]);
  if (unpinned.length)
    throw new LabbookError(`pin set "${set}" does not pin ${unpinned.join(", ")}, which labbook analyze reads`, {
      code: "E_NOT_FOUND",
      details: [`Pin them with "labbook pin ${set} <dataset>".`],
    });
  return withDuckDB(async (con) => {
    await attachPinned(con, config, set, pins);
    return analyzeProtocols(con, only);
  });
}

/**
 * Analyses every protocol (or one, by id or name) in the attached datasets of ANALYSIS_READS. This is the one computation behind both `labbook analyze` and the experiment pages.
 */
export async function analyzeProtocols(con: DuckDBConnection, only?: string): Promise<ProtocolResult[]> {
  const protocols = await queryRows<
    Pick<ProtocolResult, "id" | "name" | "designType" | "hypothesis" | "primaryOutcome">
  >(
    con,
    `SELECT id, "protocolName" AS name, "designType", hypothesis, "primaryOutcome" FROM experiment_protocols ORDER BY "protocolName", id`,
  );
  const chosen = only === undefined ? protocols : protocols.filter((p) => p.id === only || p.name === only);
  if (only !== undefined && chosen.length === 0) {
    throw new LabbookError(`unknown protocol: ${only}`, {
      code: "E_NOT_FOUND",
      details: [`Protocols in the pinned data: ${protocols.map((p) => `${p.name} (${p.id})`).join(", ") || "none"}.`],
    });
  }
  const series = await queryRows<PhaseObservation>(con, READ_PHASE_OBSERVATIONS_SQL);
  const mismatches = await queryRows<PhaseMismatchRow>(con, PHASE_MISMATCH_SQL);
  const assignments = await readPhaseAssignments(con);
  return chosen.map((p): ProtocolResult => {
    const phases = assignments.filter((a) => a.protocolId === p.id).map(({ protocolId: _, ...phase }) => phase);
    const points = series
      .filter((s) => s.protocolId === p.id)
      .map((s) => ({
        date: s.date,
        day: s.day,
        value: s.value,
        events: s.events,
        phaseLabel: s.phaseLabel,
        phaseType: s.phaseType,
      }));
    return {
      ...p,
      phases,
      series: points,
      summary: summarizePhases(points, phases),
      mismatches: mismatches.filter((m) => m.protocolId === p.id),
      analysis: analyzeSeries(points),
    };
  });
}
