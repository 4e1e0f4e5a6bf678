import {
  isComputed,
  poolProtocols,
  type NotComputed,
  type PooledEffect,
  type ProtocolAnalysis,
  type RandomizationPart,
} from "../analysis/index.ts";
import { queryRows } from "../duckdb.ts";
import { OUTCOME_COLUMNS, type PhaseMismatchRow } from "../datasets/phase-observations.ts";
import {
  analyzeProtocols,
  readProtocols,
  type PhaseAssignmentRow,
  type ProtocolResult,
} from "../experiments/analyze.ts";
import { withPinnedViews, type SiteContext } from "./context.ts";

const EVENTS_RANGE_SQL = `SELECT strftime(min(CAST("timestamp" AS DATE)), '%Y-%m-%d') AS first,
    strftime(max(CAST("timestamp" AS DATE)), '%Y-%m-%d') AS last FROM events_dedup`;

export interface ProtocolInfo {
  id: string;
  name: string;
  /** The participant's pseudonym; for a multiple-baseline protocol, how many participants it covers ("4 participants"). */
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

/** A row of the All protocols table: the protocol, its main effect (NAP) and its randomization test's p. */
export interface ProtocolIndexRow extends ProtocolInfo {
  /** NAP, or null with `napNotComputed` saying why. */
  nap: number | null;
  napNotComputed: string | null;
  /** The randomization test's one-sided p, or null with `pNotComputed` saying why. */
  p: number | null;
  pNotComputed: string | null;
}

/** The days that the pinned events_dedup version covers (UTC dates), null when it holds no events. */
export interface EventsRange {
  first: string | null;
  last: string | null;
}

export type PhaseInfo = Omit<PhaseAssignmentRow, "protocolId">;

export interface ProtocolPage {
  protocol: ProtocolInfo;
  phases: PhaseInfo[];
  series: ProtocolResult["series"];
  summary: ProtocolResult["summary"];
  mismatches: Omit<PhaseMismatchRow, "protocolId" | "userId">[];
  /** What `labbook analyze --json` prints for the same pins (one analyzeProtocols result). */
  analysis: PageAnalysis;
  /** The pinned events' first and last day, to say why a protocol without observed days has none. */
  events: EventsRange;
  /** A multiple-baseline protocol's participants (pseudonyms) and their analysis, as `labbook analyze` gives them. */
  multipleBaseline: ProtocolResult["multipleBaseline"];
}

/** What the page draws of a ProtocolAnalysis: the randomization distribution as histogram bins, not every value. */
export type PageAnalysis = Omit<ProtocolAnalysis, "randomization"> & {
  randomization:
    | (Omit<Exclude<RandomizationPart, NotComputed>, "distribution"> & {
        histogram: { x0: number; x1: number; count: number }[];
      })
    | NotComputed;
};

export interface ProtocolEffects {
  id: string;
  name: string;
  /** All six, each an estimate or why it is missing; the forest plot draws the estimates. */
  effects: ProtocolAnalysis["effects"];
  /** The randomization test's p, or null when the test could not be run. */
  p: number | null;
}

/** Protocols pooled across: those testing one hypothesis, each index pooled where that is meaningful. */
export interface PooledGroup {
  hypothesis: string;
  protocols: { id: string; name: string }[];
  /** Each index pooled across the group's protocols, or why not (poolProtocols). */
  pooled: PooledEffect[];
}

/** `pooled.json`: the groups pooled across protocols, and each protocol left out with the reason. */
export interface PooledAcross {
  groups: PooledGroup[];
  notPooled: { id: string; name: string; reason: string }[];
}

/**
 * Pools effects across protocols only where that is meaningful: single-participant protocols that test the same
 * hypothesis (the same intervention on the same outcome), at least two of them; poolProtocols then also requires the
 * same outcome and direction. A multiple-baseline protocol is already pooled across its participants on its page,
 * and a protocol alone with its hypothesis has nothing to be pooled with; both are listed with the reason.
 */
export function poolAcross(results: readonly ProtocolResult[]): PooledAcross {
  const groups = new Map<string, ProtocolResult[]>();
  const notPooled: PooledAcross["notPooled"] = [];
  for (const r of results) {
    if (r.multipleBaseline) {
      notPooled.push({
        id: r.id,
        name: r.name,
        reason:
          "a multiple-baseline protocol: its participants are pooled on its own page, and its pooled estimates are " +
          "not single cases to pool again with single-participant protocols",
      });
      continue;
    }
    groups.set(r.hypothesis, [...(groups.get(r.hypothesis) ?? []), r]);
  }
  const out: PooledGroup[] = [];
  for (const [hypothesis, members] of groups) {
    if (members.length < 2) {
      for (const r of members)
        notPooled.push({ id: r.id, name: r.name, reason: "no other protocol tests its hypothesis" });
      continue;
    }
    out.push({
      hypothesis,
      protocols: members.map((r) => ({ id: r.id, name: r.name })),
      pooled: poolProtocols(
        members.map((r) => ({
          protocol: r.name,
          outcome: r.primaryOutcome,
          direction: "increase",
          effects: r.analysis.effects,
        })),
      ),
    });
  }
  return { groups: out, notPooled };
}

/** The experiment pages' data: `index.json` (every protocol) and `<protocol id>.json` (one page each). */
export async function experimentsData(ctx: SiteContext): Promise<Record<string, unknown>> {
  return withPinnedViews(ctx, async (con) => {
    const protocols = await readProtocols(con);
    // Every number on the pages comes from the result `labbook analyze` prints; the page only reshapes it.
    const results = new Map((await analyzeProtocols(con)).map((r) => [r.id, r]));
    const [events] = await queryRows<EventsRange>(con, EVENTS_RANGE_SQL);
    const files: Record<string, unknown> = {};
    const index: ProtocolIndexRow[] = [];
    const effects: ProtocolEffects[] = [];
    for (const { userId, ...p } of protocols) {
      const r = results.get(p.id)!;
      const protocol: ProtocolInfo = {
        ...p,
        // The view already shows the pseudonym (userId is a personId() column).
        participant: r.multipleBaseline ? `${r.multipleBaseline.participants.length} participants` : userId,
        outcomeSupported: OUTCOME_COLUMNS.includes(p.primaryOutcome),
        observedDays: r.series.length,
        mismatchDays: r.mismatches.length,
      };
      const test = r.analysis.randomization;
      const nap = r.analysis.effects.find((e) => e.name === "NAP")!;
      index.push({
        ...protocol,
        nap: isComputed(nap) ? nap.estimate : null,
        napNotComputed: isComputed(nap) ? null : nap.notComputed,
        p: isComputed(test) ? test.p : null,
        pNotComputed: isComputed(test) ? null : test.notComputed,
      });
      effects.push({ id: p.id, name: p.name, effects: r.analysis.effects, p: isComputed(test) ? test.p : null });
      files[`${p.id}.json`] = {
        protocol,
        phases: r.phases,
        series: r.series,
        summary: r.summary,
        mismatches: r.mismatches.map(({ protocolId: _p, userId: _u, ...rest }) => rest),
        analysis: forPage(r.analysis),
        events: events ?? { first: null, last: null },
        multipleBaseline: r.multipleBaseline,
      } satisfies ProtocolPage;
    }
    files["index.json"] = index;
    files["effects.json"] = effects;
    files["pooled.json"] = poolAcross([...results.values()]);
    return files;
  });
}

/** The page draws the randomization distribution as a histogram: bins instead of every value keep the page small. */
export function forPage(analysis: ProtocolAnalysis): PageAnalysis {
  if (!isComputed(analysis.randomization)) return { ...analysis, randomization: analysis.randomization };
  const { distribution, ...test } = analysis.randomization;
  return { ...analysis, randomization: { ...test, histogram: histogram(distribution, 30) } };
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
