export type { ConfidenceOptions, Direction, DirectionOptions, EffectSize } from "./types.ts";
export { phaseSummary, type PhaseSummary } from "./summary.ts";
export { nap, pem, pnd, tau, type NonoverlapOptions } from "./nonoverlap.ts";
export { ird, pand, type PandResult } from "./pand.ts";
export { tauU, type TauUResult } from "./tau-u.ts";
export { tauBC, type TauBcOptions, type TauBcResult } from "./tau-bc.ts";
export { smd, type SmdOptions, type SmdResult } from "./smd.ts";
export { lrr, type LrrOptions, type LrrResult, type OutcomeScale } from "./lrr.ts";
export { lor, type LorOptions, type LorResult } from "./lor.ts";
export {
  aggregateEffects,
  metaAnalysis,
  type AggregateOptions,
  type MetaAnalysisOptions,
  type MetaAnalysisResult,
} from "./meta-analysis.ts";
export { bcSmd, type BcSmdCase, type BcSmdOptions, type BcSmdResult } from "./bc-smd.ts";
export {
  analyzeMultipleBaseline,
  MB_INDICES,
  type MbOptions,
  type MbParticipant,
  type MultipleBaselineAnalysis,
  type ParticipantEffects,
} from "./multiple-baseline.ts";
export { poolEffect, poolProtocols, type PooledEffect, type ProtocolEffects } from "./pool.ts";
export {
  CHANGE_FEATURES,
  visualAnalysis,
  type ChangeFeature,
  type Feature,
  type PhaseChange,
  type VisualAnalysis,
  type VisualPhase,
} from "./visual.ts";
export { abOf, mapPhases, phaseRuns, type PhaseMapping, type PhaseRun } from "./phases.ts";
export {
  randomizationTest,
  type RandomizationOptions,
  type RandomizationResult,
  type RandomizationStatistic,
} from "./randomization.ts";
export { piecewiseRegression, type PiecewiseOptions, type PiecewiseResult, type PiecewiseTerm } from "./piecewise.ts";
export {
  fCdf,
  fQuantile,
  fSurvival,
  incompleteBeta,
  normalCdf,
  normalQuantile,
  tCdf,
  tQuantile,
  tTwoSided,
} from "./distributions.ts";
export {
  analyzeSeries,
  formatP,
  isComputed,
  pValue,
  summarizePhases,
  type AnalyzeOptions,
  type EffectRow,
  type NotComputed,
  type PhaseSummaryRow,
  type ProtocolAnalysis,
  type RandomizationPart,
  type SeriesPoint,
} from "./protocol.ts";
