// How the experiment pages print and explain the analysis (loaders/analysis computes it). pValue is the pages'
// copy of loaders/analysis/protocol.ts's, which `labbook analyze` and the verdict use: pages import only from src/.

/**
 * A p value: "< 0.0001" below 0.0001 (with a no-break space, so it never wraps), else four decimals; "not computed"
 * when the test could not be run.
 */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return "not computed";
  return p < 0.0001 ? "<\u00a00.0001" : p.toFixed(4);
}

/** "p = 0.0123" or "p < 0.0001". */
export function formatP(p: number): string {
  return p < 0.0001 ? `p ${pValue(p)}` : `p = ${pValue(p)}`;
}

/**
 * One plain sentence per statistic on the pages: what it measures and which way its sign points. Written for an
 * expected increase; `meaning` turns them around for a decrease.
 */
const MEANINGS: Record<string, string> = {
  NAP:
    "Nonoverlap of All Pairs: the share of (baseline day, intervention day) pairs in which the intervention day is " +
    "higher, ties counting half; 0.5 is no separation, 1 means every intervention day beats every baseline day.",
  Tau:
    "Kendall's Tau between phase and outcome, 2·NAP − 1: 0 is no separation, positive means intervention days are " +
    "higher, bounded by −1 and 1.",
  "Tau-U":
    "Tau corrected for a baseline trend: (pairs where the intervention day is higher − lower, minus the baseline's " +
    "own rising − falling pairs) ÷ pairs; positive favours the intervention, and because the correction is " +
    "subtracted it can pass 1 or −1 when the baseline falls or rises steeply.",
  PND:
    "Percentage of Non-overlapping Data, as a proportion: the share of intervention days above the highest baseline " +
    "day; 0 to 1, higher favours the intervention, and one extreme baseline day can pull it to 0.",
  SMD:
    "Standardised mean difference (Hedges' g): intervention mean minus baseline mean, in baseline standard " +
    "deviations; positive means intervention days are higher.",
  LRRi:
    "Log response ratio: ln(intervention mean ÷ baseline mean); positive means intervention days are higher, and " +
    "100·(e^LRR − 1) is the percentage change.",
  LRRd:
    "Log response ratio for an expected decrease: ln(intervention mean ÷ baseline mean); negative means " +
    "intervention days are lower, and 100·(e^LRR − 1) is the percentage change.",
  "Tau-BC":
    "Tau after removing the baseline's own trend (Theil–Sen, Tarlow 2017): 0 is no separation beyond the " +
    "baseline's trend, positive means intervention days are higher.",
  PEM:
    "Percentage Exceeding the Median, as a proportion: the share of intervention days above the baseline median " +
    "(ties half); 0.5 is no effect, 1 means every intervention day is above it.",
  PAND:
    "Percentage of All Non-overlapping Data, as a proportion: the share of days left once the fewest days that " +
    "make the phases not overlap are removed; higher favours the intervention.",
  IRD:
    "Robust improvement rate difference: the intervention phase's improvement rate minus the baseline's; 0 is no " +
    "effect, 1 complete separation.",
  LRR:
    "Log response ratio: ln(intervention mean ÷ baseline mean); positive means intervention days are higher, and " +
    "100·(e^LRR − 1) is the percentage change.",
  "BC-SMD":
    "The design-comparable standardised mean difference (Hedges, Pustejovsky and Shadish): the intervention's " +
    "effect across participants in the standard deviations of a between-person study, so it can be set beside a " +
    "group design's g; positive means intervention days are higher.",
  "mean B-A":
    "mean B-A: the mean of intervention days minus the mean of baseline days; positive means intervention days are " +
    "higher.",
  "PA-PB":
    "PA-PB: the mean of the baseline phases' means minus the mean of the intervention phases' means, so it points " +
    "the other way from the effect: negative means intervention days are higher.",
  intercept: "The fitted outcome on the protocol's first observed day.",
  trend: "The baseline trend: the fitted change of the outcome per day before the first phase change.",
  level:
    "A level change: the jump of the fitted outcome on the first day of that phase, beyond where the trend before " +
    "it would be; positive is a jump up.",
  slope:
    "A slope change: how much the trend per day changes from that phase on, relative to the trend before it; " +
    "positive means it rises faster (or falls slower).",
};

/** The sentence for a statistic or a regression term ("level intervention_A_1" → the level sentence). */
export function meaning(name: string): string {
  return MEANINGS[name] ?? MEANINGS[name.split(" ")[0]!] ?? "";
}
