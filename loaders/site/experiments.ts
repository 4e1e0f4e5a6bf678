import type { DuckDBConnection } from "@duckdb/node-api";
import { analyzeSeries, phaseSummary, type ProtocolAnalysis } from "../analysis/index.ts";
import { queryRows } from "../duckdb.ts";
import type { SiteContext } from "./context.ts";
import { withPinnedViews } from "./context.ts";
import { OUTCOME_COLUMNS, readPhaseSeries, type PhaseMismatchRow, type PhaseSeriesRow } from "./phase-series.ts";
import { isProtocolPath, protocolsSql } from "./protocols.ts";

export interface ProtocolInfo {
  id: string;
  name: string;
  /** The participant's pseudonym. */
  participant: string;
  designType: string;
  hypothesis: string;
  primaryOutcome: string;
  /** Whether primaryOutcome names a numeric column of behavioral_events (otherwise there is no series). */
  outcomeSupported: boolean;
  startDate: string;
  endDate: string | null;
  phases: number;
  observedDays: number;
  mismatchDays: number;
}

export interface PhaseInfo {
  label: string;
  type: string;
  start: string;
  /** Exclusive; null when open-ended. */
  end: string | null;
  plannedDuration: number;
}

export interface PhaseSummaryRow {
  label: string;
  type: string;
  n: number;
  mean: number | null;
  median: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  /** OLS slope per observed day (session order), null with fewer than two days. */
  slope: number | null;
}

export interface ProtocolPage {
  protocol: ProtocolInfo;
  phases: PhaseInfo[];
  series: Omit<PhaseSeriesRow, "protocolId" | "userId" | "outcome">[];
  summary: PhaseSummaryRow[];
  mismatches: Omit<PhaseMismatchRow, "protocolId" | "userId">[];
  /** The same numbers as `labbook analyze` (both call analyzeSeries on this series), or why there are none. */
  analysis: PageAnalysis | { error: string };
}

/** What the page draws of a ProtocolAnalysis: the randomization distribution as histogram bins, not every value. */
export type PageAnalysis = Omit<ProtocolAnalysis, "randomization"> & {
  randomization: Omit<ProtocolAnalysis["randomization"], "distribution"> & {
    histogram: { x0: number; x1: number; count: number }[];
  };
};

export interface ProtocolEffects {
  id: string;
  name: string;
  effects: ProtocolAnalysis["effects"];
  p: number;
}

/** The experiment pages' data: `index.json` (every protocol) and `<protocol id>.json` (one page each). */
export async function experimentsData(ctx: SiteContext): Promise<Record<string, unknown>> {
  return withPinnedViews(ctx, async (con) => {
    const protocols = await queryRows<Omit<ProtocolInfo, "participant" | "outcomeSupported"> & { userId: string }>(
      con,
      protocolsSql,
    );
    const phases = await readPhases(con);
    const { series, mismatches } = await readPhaseSeries(con);
    const files: Record<string, unknown> = {};
    const index: ProtocolInfo[] = [];
    const effects: ProtocolEffects[] = [];
    for (const { userId, ...p } of protocols.filter((p) => isProtocolPath(p.id))) {
      const own = <T extends { protocolId: string }>(rows: T[]) => rows.filter((r) => r.protocolId === p.id);
      const points = own(series).map(({ protocolId: _p, userId: _u, outcome: _o, ...rest }) => rest);
      const disagreements = own(mismatches).map(({ protocolId: _p, userId: _u, ...rest }) => rest);
      const protocol: ProtocolInfo = {
        ...p,
        participant: ctx.pseudonym(userId),
        outcomeSupported: OUTCOME_COLUMNS.includes(p.primaryOutcome),
        observedDays: points.length,
        mismatchDays: disagreements.length,
      };
      const ownPhases = phases.get(p.id) ?? [];
      index.push(protocol);
      const analysis = analyze(points);
      if (!("error" in analysis))
        effects.push({ id: p.id, name: p.name, effects: analysis.effects, p: analysis.randomization.p });
      files[`${p.id}.json`] = {
        protocol,
        phases: ownPhases,
        series: points,
        summary: summarize(ownPhases, points),
        mismatches: disagreements,
        analysis,
      } satisfies ProtocolPage;
    }
    files["index.json"] = index;
    files["effects.json"] = effects;
    return files;
  });
}

async function readPhases(con: DuckDBConnection): Promise<Map<string, PhaseInfo[]>> {
  const rows = await queryRows<PhaseInfo & { protocolId: string }>(
    con,
    `SELECT "protocolId", "phaseLabel" AS label, "phaseType" AS type, strftime("startDate", '%Y-%m-%d') AS start,
       strftime("endDate", '%Y-%m-%d') AS "end", "plannedDuration"
     FROM phase_assignments ORDER BY "protocolId", "startDate", "phaseLabel"`,
  );
  const out = new Map<string, PhaseInfo[]>();
  for (const { protocolId, ...phase } of rows) out.set(protocolId, [...(out.get(protocolId) ?? []), phase]);
  return out;
}

/** Per-phase summaries in phase order; a phase without observed days gets n = 0 and empty statistics. */
function summarize(phases: PhaseInfo[], points: ProtocolPage["series"]): PhaseSummaryRow[] {
  return phases.map((ph) => {
    const values = points.filter((p) => p.phaseLabel === ph.label).map((p) => p.value);
    if (values.length === 0)
      return {
        label: ph.label,
        type: ph.type,
        n: 0,
        mean: null,
        median: null,
        sd: null,
        min: null,
        max: null,
        slope: null,
      };
    const s = phaseSummary(values);
    return { label: ph.label, type: ph.type, ...s };
  });
}

function analyze(points: ProtocolPage["series"]): ProtocolPage["analysis"] {
  try {
    const { randomization, ...rest } = analyzeSeries(points);
    const { distribution, ...test } = randomization;
    return { ...rest, randomization: { ...test, histogram: histogram(distribution, 30) } };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Equal-width bins over the distribution's range. */
function histogram(values: number[], bins: number): { x0: number; x1: number; count: number }[] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const out = Array.from({ length: hi > lo ? bins : 1 }, (_, i) => ({
    x0: lo + i * width,
    x1: lo + (i + 1) * width,
    count: 0,
  }));
  for (const v of values) out[Math.min(out.length - 1, Math.floor((v - lo) / width))]!.count++;
  return out;
}
