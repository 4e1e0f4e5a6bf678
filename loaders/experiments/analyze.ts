import type { DuckDBConnection } from "@duckdb/node-api";
import {
  analyzeMultipleBaseline,
  analyzeSeries,
  isComputed,
  summarizePhases,
  type EffectRow,
  type MultipleBaselineAnalysis,
  type PhaseSummaryRow,
  type ProtocolAnalysis,
  type SeriesPoint,
} from "../analysis/index.ts";
import type { Config } from "../config.ts";
import { queryRows, withDuckDB } from "../duckdb.ts";
import { LabbookError } from "../errors.ts";
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
  /** The participant whose phase it is in a multiple-baseline protocol; null for the protocol's own participant. */
  userId: string | null;
  label: string;
  type: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  start: string;
  /** YYYY-MM-DD (UTC), exclusive; null when open-ended. */
  end: string | null;
  plannedDuration: number;
}

/** Every planned phase, over the view phase_assignments, in protocol and start order. */
const PHASE_ASSIGNMENTS_SQL = `SELECT "protocolId", "userId", "phaseLabel" AS label, "phaseType" AS type,
    strftime("startDate", '%Y-%m-%d') AS start, strftime("endDate", '%Y-%m-%d') AS "end", "plannedDuration"
  FROM phase_assignments ORDER BY "protocolId", "startDate", "userId" NULLS FIRST, "phaseLabel"`;

/** A protocol as experiment_protocols holds it, with how many phases phase_assignments plans for it. */
export interface ProtocolRow {
  id: string;
  /** The participant (a pseudonym on the pages); a multiple-baseline protocol's first participant. */
  userId: string;
  name: string;
  designType: string;
  hypothesis: string;
  primaryOutcome: string;
  /** YYYY-MM-DD (UTC). */
  startDate: string;
  endDate: string | null;
  phases: number;
}

/** The protocol query, defined once: `labbook analyze` and the experiment pages list protocols in start order. */
const PROTOCOLS_SQL = `SELECT id, "userId", "protocolName" AS name, "designType", hypothesis, "primaryOutcome",
    strftime("startDate", '%Y-%m-%d') AS "startDate", strftime("endDate", '%Y-%m-%d') AS "endDate",
    CAST((SELECT count(*) FROM phase_assignments pa WHERE pa."protocolId" = p.id) AS INTEGER) AS phases
  FROM experiment_protocols p ORDER BY "startDate", id`;

/** Reads the protocols from a connection with experiment_protocols and phase_assignments attached as views. */
export async function readProtocols(con: DuckDBConnection): Promise<ProtocolRow[]> {
  return queryRows<ProtocolRow>(con, PROTOCOLS_SQL);
}

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
  /** The planned phases, in start order (every participant's, in a multiple-baseline protocol). */
  phases: Omit<PhaseAssignmentRow, "protocolId">[];
  /**
   * The observed days; `events` counts the events with an outcome value that day. In a multiple-baseline protocol,
   * every participant's days, participant after participant as in `multipleBaseline`.
   */
  series: (SeriesPoint & { events: number })[];
  /** One row per planned phase (n = 0 for a phase without observed days), given even when `analysis` is not. */
  summary: PhaseSummaryRow[];
  /** Days whose events carry another experimentPhase than the assignment. */
  mismatches: PhaseMismatchRow[];
  /**
   * Effect sizes, randomization test, piecewise fit and visual-analysis aids; each part the data do not allow says why
   * it is missing. In a multiple-baseline protocol the effect sizes are the pooled ones (random effects where every
   * participant's estimate has an SE, else the equal-weight mean), the single-series tests say why they do not apply,
   * and the visual-analysis aids say they are per participant.
   */
  analysis: ProtocolAnalysis;
  /** A multiple-baseline protocol (designType MULTIPLE_BASELINE): each participant and the analysis across them. */
  multipleBaseline: MultipleBaselineResult | null;
}

/** One participant of a multiple-baseline protocol: their phases and observed days on the protocol's day axis. */
export interface MbParticipantResult {
  /** The user id (a pseudonym on the pages). */
  participant: string;
  phases: Omit<PhaseAssignmentRow, "protocolId" | "userId">[];
  series: (SeriesPoint & { events: number })[];
}

export interface MultipleBaselineResult {
  /** In the order of their intervention starts, as the classic figure stacks them. */
  participants: MbParticipantResult[];
  /** Per-participant effects, pooled effects and the design-comparable SMD (analyzeMultipleBaseline). */
  analysis: MultipleBaselineAnalysis;
}

/** The design type of a protocol over several participants, each with their own phase dates. */
export const MULTIPLE_BASELINE = "MULTIPLE_BASELINE";

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

/** `analyzeProtocols` over the datasets of ANALYSIS_READS at a pin set, which must pin each of them. */
export async function analyzePinned(config: Config, set: string, only?: string): Promise<ProtocolResult[]> {
  return withDuckDB(async (con) => {
    await attachPinned(con, config, { set, reads: ANALYSIS_READS, reader: "labbook analyze" });
    return analyzeProtocols(con, only);
  });
}

/**
 * Analyses every protocol (or one, by id or name) in the attached datasets of ANALYSIS_READS. This is the one computation behind both `labbook analyze` and the experiment pages.
 */
export async function analyzeProtocols(con: DuckDBConnection, only?: string): Promise<ProtocolResult[]> {
  const protocols = (await readProtocols(con)).map(({ id, name, designType, hypothesis, primaryOutcome }) => ({
    id,
    name,
    designType,
    hypothesis,
    primaryOutcome,
  }));
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
    const rows = series.filter((s) => s.protocolId === p.id);
    const mine = mismatches.filter((m) => m.protocolId === p.id);
    if (p.designType === MULTIPLE_BASELINE) return multipleBaseline(p, phases, rows, mine);
    const points = rows.map(point);
    return {
      ...p,
      phases,
      series: points,
      summary: summarizePhases(points, phases),
      mismatches: mine,
      analysis: analyzeSeries(points),
      multipleBaseline: null,
    };
  });
}

const point = (s: PhaseObservation): SeriesPoint & { events: number } => ({
  date: s.date,
  day: s.day,
  value: s.value,
  events: s.events,
  phaseLabel: s.phaseLabel,
  phaseType: s.phaseType,
});

/** The single-series parts that a multiple-baseline protocol has across participants instead. */
const PER_PARTICIPANT =
  "a multiple-baseline protocol is analysed per participant and pooled across them; this single-series analysis does not apply";

/** A multiple-baseline protocol's visual analysis: each participant's own series, in their analysis. */
const VISUAL_PER_PARTICIPANT =
  "computed per participant: each participant of a multiple-baseline protocol has their own phase change, so the visual-analysis aids are in multipleBaseline.analysis.participants[].visual";

/** The indices of a single-series analysis, and the multiple-baseline index that stands for each when pooled. */
const POOLED_AS: Record<string, string> = {
  NAP: "NAP",
  Tau: "Tau",
  "Tau-U": "Tau-U",
  PND: "PND",
  SMD: "SMD",
  LRRi: "LRR",
};

function multipleBaseline(
  p: Pick<ProtocolResult, "id" | "name" | "designType" | "hypothesis" | "primaryOutcome">,
  phases: Omit<PhaseAssignmentRow, "protocolId">[],
  rows: PhaseObservation[],
  mismatches: PhaseMismatchRow[],
): ProtocolResult {
  // Participants are those with planned phases, and any with observed days.
  const ids = [...new Set([...phases.flatMap((ph) => (ph.userId ? [ph.userId] : [])), ...rows.map((r) => r.userId)])];
  const participants = ids.map((id): MbParticipantResult => ({
    participant: id,
    phases: phases.filter((ph) => ph.userId === id).map(({ userId: _, ...ph }) => ph),
    series: rows.filter((r) => r.userId === id).map(point),
  }));
  // Stacked in the order the interventions start (the planned start, else the first observed one), then by id.
  const start = (m: MbParticipantResult) =>
    m.phases.find((ph) => ph.type !== "BASELINE")?.start ??
    m.series.find((s) => s.phaseType !== "BASELINE")?.date ??
    "9999-12-31";
  participants.sort((a, b) => start(a).localeCompare(start(b)) || a.participant.localeCompare(b.participant));
  const analysis = analyzeMultipleBaseline(participants);
  const points = participants.flatMap((m) => m.series);
  const effects = Object.entries(POOLED_AS).map(([name, pooledName]): EffectRow => {
    const pooled = analysis.pooled.find((e) => e.name === pooledName)!;
    if (!isComputed(pooled)) return { name, notComputed: pooled.notComputed };
    const { estimate, se, ci } = pooled.random ?? pooled.equal;
    return { name, estimate, se, ci };
  });
  return {
    ...p,
    phases,
    series: points,
    summary: summarizePhases(
      points,
      phases.filter((ph, i) => phases.findIndex((o) => o.label === ph.label) === i),
    ),
    mismatches,
    analysis: {
      effects,
      randomization: { notComputed: PER_PARTICIPANT },
      piecewise: { notComputed: PER_PARTICIPANT },
      visual: { notComputed: VISUAL_PER_PARTICIPANT },
      interpretation: analysis.interpretation,
    },
    multipleBaseline: { participants, analysis },
  };
}
