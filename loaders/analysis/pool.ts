import { aggregateEffects, metaAnalysis, type MetaAnalysisResult } from "./meta-analysis.ts";
import { isComputed, type EffectRow, type NotComputed } from "./protocol.ts";
import type { Direction, EffectSize } from "./types.ts";

/** One index pooled over the participants or protocols that have it. */
export type PooledEffect = { name: string } & (
  | {
      /** Whose estimates went into the pooled values, and whose were not computed. */
      included: string[];
      missing: string[];
      /** The equal-weight mean, as SingleCaseES aggregates (its SE treats the estimates as independent). */
      equal: EffectSize;
      /** Inverse-variance pooling, only when every pooled estimate has a finite, positive SE. */
      fixed?: MetaAnalysisResult;
      random?: MetaAnalysisResult;
    }
  | NotComputed
);

/**
 * Pools one index: the equal-weight mean of the computed estimates, and where every one has a finite, positive SE,
 * the fixed-effect and DerSimonian–Laird pools with variances SE². `minimum` is how many estimates it needs.
 */
export function poolEffect(
  name: string,
  entries: readonly { id: string; effect: EffectRow | undefined }[],
  { minimum = 1, noun = "participant" }: { minimum?: number; noun?: string } = {},
): PooledEffect {
  const have = entries.filter(
    (e): e is { id: string; effect: EffectRow & EffectSize } => !!e.effect && isComputed(e.effect),
  );
  const missing = entries.filter((e) => !have.includes(e as never)).map((e) => e.id);
  if (have.length < minimum || have.length === 0) {
    const count =
      have.length === 0 ? `no ${noun} has` : `only ${have.length} ${noun}${have.length === 1 ? " has" : "s have"}`;
    return {
      name,
      notComputed: `${count} an estimate of ${name}${minimum > 1 ? `; pooling needs at least ${minimum}` : ""}`,
    };
  }
  const effects = have.map((h) => h.effect);
  const withSe = (e: EffectSize) => e.se !== undefined && Number.isFinite(e.se);
  const out: PooledEffect = {
    name,
    included: have.map((h) => h.id),
    missing,
    equal: aggregateEffects(effects.map((e) => (withSe(e) ? e : { estimate: e.estimate }))),
  };
  if (effects.every((e) => withSe(e) && (e.se as number) > 0)) {
    const y = effects.map((e) => e.estimate);
    const v = effects.map((e) => (e.se as number) ** 2);
    out.fixed = metaAnalysis(y, v, { method: "FE" });
    out.random = metaAnalysis(y, v, { method: "DL" });
  }
  return out;
}

/** One protocol's effect sizes, with what makes them comparable across protocols. */
export interface ProtocolEffects {
  protocol: string;
  /** The outcome the effects are measured on (the protocol's primaryOutcome). */
  outcome: string;
  direction: Direction;
  effects: readonly EffectRow[];
}

/**
 * Pools each index across protocols, but only where that is meaningful: the protocols must measure the same outcome
 * in the same direction (else the estimates are on different scales or mean opposite things), and at least two must
 * have the index. Every index not pooled says why. Whether the interventions are alike enough is the caller's
 * judgement: group the protocols first.
 */
export function poolProtocols(protocols: readonly ProtocolEffects[], names?: readonly string[]): PooledEffect[] {
  const indices = names ?? [...new Set(protocols.flatMap((p) => p.effects.map((e) => e.name)))];
  const outcomes = [...new Set(protocols.map((p) => p.outcome))];
  const directions = [...new Set(protocols.map((p) => p.direction))];
  const reason =
    outcomes.length > 1
      ? `the protocols measure different outcomes (${outcomes.join(", ")}), so their effects are on different scales`
      : directions.length > 1
        ? "the protocols expect improvement in different directions, so their effects point opposite ways"
        : undefined;
  return indices.map((name) =>
    reason
      ? { name, notComputed: reason }
      : poolEffect(
          name,
          protocols.map((p) => ({ id: p.protocol, effect: p.effects.find((e) => e.name === name) })),
          { minimum: 2, noun: "protocol" },
        ),
  );
}
