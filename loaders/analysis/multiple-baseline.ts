import { attempt, visualPart } from "./_parts.ts";
import { bcSmd, type BcSmdResult } from "./bc-smd.ts";
import { lrr } from "./lrr.ts";
import { nap, pem, pnd, tau } from "./nonoverlap.ts";
import { ird, pand } from "./pand.ts";
import { poolEffect, type PooledEffect } from "./pool.ts";
import { abOf } from "./phases.ts";
import { isComputed, type EffectRow, type NotComputed, type SeriesPoint } from "./protocol.ts";
import { smd } from "./smd.ts";
import { tauBC } from "./tau-bc.ts";
import { tauU } from "./tau-u.ts";
import type { Direction, EffectSize } from "./types.ts";
import type { VisualAnalysis } from "./visual.ts";

/** One participant of a multiple-baseline protocol: a pseudonym or id, and their series on the protocol's day axis. */
export interface MbParticipant {
  participant: string;
  /** `day` counts from the protocol's first day for every participant, so the staggered starts line up. */
  series: readonly SeriesPoint[];
}

export interface MbOptions {
  direction?: Direction;
}

export interface ParticipantEffects {
  participant: string;
  baselineDays: number;
  interventionDays: number;
  /** The first observed intervention day, or null without one. */
  interventionStart: number | null;
  effects: EffectRow[];
  /** Level, trend, variability, immediacy and overlap at the participant's phase changes, with sentences. */
  visual: VisualAnalysis | NotComputed;
}

export interface MultipleBaselineAnalysis {
  participants: ParticipantEffects[];
  pooled: PooledEffect[];
  /** The design-comparable SMD across participants (HPS 2013), or why it cannot be computed. */
  bcSmd: BcSmdResult | NotComputed;
  /** Whether the design can show an effect three times at different points in time (What Works Clearinghouse). */
  design: { participants: number; distinctStarts: number; meetsStandard: boolean; note: string };
  interpretation: string;
}

/** The indices computed per participant, in this order. Those with an SE are pooled by inverse variance too. */
export const MB_INDICES = ["NAP", "Tau", "Tau-BC", "Tau-U", "PND", "PEM", "PAND", "IRD", "SMD", "LRR"] as const;

/**
 * The analysis of a multiple-baseline design across participants: each participant's effect sizes (all baseline
 * against all intervention days), each index pooled across participants (equal weights always; fixed-effect and
 * DerSimonian–Laird where every estimate has a variance), and the design-comparable SMD. Each part is computed on
 * its own, and one the data do not allow says why.
 */
export function analyzeMultipleBaseline(
  participants: readonly MbParticipant[],
  options: MbOptions = {},
): MultipleBaselineAnalysis {
  const direction = options.direction ?? "increase";
  const rows = participants.map((p) => participantEffects(p, direction));
  const pooled = MB_INDICES.map((name) => pool(name, rows));
  const cases = participants.map((p) => ({
    values: p.series.map((s) => s.value),
    phases: p.series.map((s) => abOf(s.phaseType)),
    times: p.series.map((s) => s.day),
  }));
  // A participant without both phases has no contrast; name them rather than bcSmd's "case k".
  const lacking = rows.find((r) => r.baselineDays === 0 || r.interventionDays === 0);
  const smdAcross: BcSmdResult | NotComputed = lacking
    ? {
        notComputed: `participant ${lacking.participant} has no ${lacking.baselineDays === 0 ? "baseline" : "intervention"} days; every participant needs both phases`,
      }
    : attempt(() => bcSmd(cases, { design: "MB", direction }));
  const design = designCheck(rows);
  return {
    participants: rows,
    pooled,
    bcSmd: smdAcross,
    design,
    interpretation: interpret(rows, pooled, smdAcross, design, direction),
  };
}

function participantEffects(p: MbParticipant, direction: Direction): ParticipantEffects {
  const a: number[] = [];
  const b: number[] = [];
  let interventionStart: number | null = null;
  for (const s of p.series) {
    if (abOf(s.phaseType) === "A") a.push(s.value);
    else {
      b.push(s.value);
      if (interventionStart === null || s.day < interventionStart) interventionStart = s.day;
    }
  }
  const missing =
    a.length === 0 ? "no baseline days were observed" : b.length === 0 ? "no intervention days were observed" : null;
  const compute: Record<(typeof MB_INDICES)[number], () => EffectSize> = {
    NAP: () => nap(a, b, { direction }),
    Tau: () => tau(a, b, { direction }),
    "Tau-BC": () => tauBC(a, b, { direction }),
    "Tau-U": () => tauU(a, b, { direction }),
    PND: () => pnd(a, b, { direction }),
    PEM: () => pem(a, b, { direction }),
    PAND: () => pand(a, b, { direction }),
    IRD: () => ird(a, b, { direction }),
    SMD: () => smd(a, b, { direction, stdDev: "baseline" }),
    // LRRi for an increase, LRRd for a decrease: both ln(mean B / mean A).
    LRR: () => lrr(a, b, { direction }),
  };
  const effects = MB_INDICES.map((name): EffectRow => {
    if (missing) return { name, notComputed: missing };
    return { name, ...attempt(() => pick(compute[name]())) };
  });
  return {
    participant: p.participant,
    baselineDays: a.length,
    interventionDays: b.length,
    interventionStart,
    effects,
    visual: visualPart(p.series, direction),
  };
}

function pool(name: string, rows: ParticipantEffects[]): PooledEffect {
  return poolEffect(
    name,
    rows.map((r) => ({ id: r.participant, effect: r.effects.find((e) => e.name === name) })),
  );
}

function designCheck(rows: ParticipantEffects[]): MultipleBaselineAnalysis["design"] {
  const starts = new Set(
    rows.flatMap((r) => (r.interventionStart === null || r.baselineDays === 0 ? [] : [r.interventionStart])),
  );
  const distinctStarts = starts.size;
  const meetsStandard = distinctStarts >= 3;
  const note = meetsStandard
    ? `the intervention starts on ${distinctStarts} different days, so the design can show the effect at three points in time`
    : `the intervention starts on ${distinctStarts} different day${distinctStarts === 1 ? "" : "s"} after a baseline; a multiple-baseline design needs at least 3 staggered starts to show the effect at three points in time`;
  return { participants: rows.length, distinctStarts, meetsStandard, note };
}

function interpret(
  rows: ParticipantEffects[],
  pooled: PooledEffect[],
  g: BcSmdResult | NotComputed,
  design: MultipleBaselineAnalysis["design"],
  direction: Direction,
): string {
  const n = rows.length;
  const head = `${n} participant${n === 1 ? "" : "s"}; ${design.note}.`;
  if (!isComputed(g)) return `${head} The design-comparable SMD could not be computed: ${g.notComputed}.`;
  const f = (x: number) => x.toFixed(2);
  const lrrRow = pooled.find((p) => p.name === "LRR");
  const lrrText =
    lrrRow && isComputed(lrrRow) && lrrRow.random
      ? ` The random-effects pooled log response ratio is ${f(lrrRow.random.estimate)} (95% CI ${f(lrrRow.random.ci[0])} to ${f(lrrRow.random.ci[1])}, I² = ${lrrRow.random.i2.toFixed(0)}%).`
      : "";
  const improving = g.ci[0] > 0;
  const worsening = g.ci[1] < 0;
  const verdict = improving
    ? `an ${direction === "increase" ? "increase" : "decrease"} that the interval says is not zero`
    : worsening
      ? `a change against the expected direction that the interval says is not zero`
      : "an interval that includes no effect";
  return `${head} The design-comparable SMD is g = ${f(g.estimate)} (95% CI ${f(g.ci[0])} to ${f(g.ci[1])}, ${g.df.toFixed(1)} df): ${verdict}.${lrrText}`;
}

const pick = ({ estimate, se, ci }: EffectSize): EffectSize => ({ estimate, se, ci });
