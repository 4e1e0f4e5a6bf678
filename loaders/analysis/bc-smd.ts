import { checkChoice, checkConfidence, checkDirection, statsError } from "./_validate.ts";
import { tQuantile } from "./distributions.ts";
import type { ConfidenceOptions, DirectionOptions, EffectSize } from "./types.ts";

/** One case (participant) of a single-case design: its observations, their phase and their time. */
export interface BcSmdCase {
  values: readonly number[];
  /** "A" (baseline) or "B" (treatment) for each value. */
  phases: readonly ("A" | "B")[];
  /** Measurement times on an axis shared by all cases (sessions or days). Default 1..n in the given order. */
  times?: readonly number[];
}

export interface BcSmdOptions extends DirectionOptions, ConfidenceOptions {
  /** "MB": multiple baseline across cases (scdhlm effect_size_MB); "ABk": treatment reversal (effect_size_ABk). */
  design?: "MB" | "ABk";
}

export interface BcSmdResult extends EffectSize {
  /** The small-sample corrected estimate g = J(ν)·δ̂ (scdhlm's delta_hat). */
  estimate: number;
  /** The uncorrected estimate δ̂ = D̄/S (delta_hat_unadj). */
  unadjusted: number;
  /** Estimated variance of g (V_delta_hat). */
  variance: number;
  se: number;
  /** g ± t_{ν}·SE, scdhlm's symmetric CI_g. */
  ci: [number, number];
  /** Satterthwaite degrees of freedom ν (nu). */
  df: number;
  /** Bias-corrected lag-1 autocorrelation φ (phi). */
  autocorrelation: number;
  /** Intra-class correlation ρ = max(0, 1 − σ²_w/S²) (rho). */
  icc: number;
  /** Bias-corrected within-case variance σ²_w (sigma_sq_w). */
  withinVariance: number;
  /** S²: the variance pooled within time points and conditions (S_sq). */
  pooledVariance: number;
  /** D̄: the mean of the cases' (or case-phase pairs') treatment-minus-baseline mean differences (D_bar). */
  meanDifference: number;
  /** θ, the scaled SD of D̄ (theta). */
  theta: number;
  /** MB: the number of occupied time-by-condition cells K; ABk: the number of complete cells M (M_dot). */
  cells: number;
}

interface Obs {
  case: number;
  value: number;
  treat: 0 | 1;
  time: number;
  /** Phase pair (ABk) within the case, 0 for MB. */
  pair: number;
  /** Position within its case-pair-condition group, from 1 (ABk "phase point"). */
  point: number;
}

/**
 * The design-comparable standardized mean difference of Hedges, Pustejovsky & Shadish (2012 for ABk, 2013 for MB),
 * the moment estimator of scdhlm's effect_size_ABk() and effect_size_MB(). D̄ averages each case's (MB) or each
 * case-phase-pair's (ABk) mean difference B − A; S² pools the variance within each time point and condition (MB) or
 * within each complete phase-point cell (ABk, points present for every case); δ̂ = D̄/S. The autocorrelation φ
 * and the within-case variance are moment estimates with HPS's bias corrections, ρ = max(0, 1 − σ²_w/S²), and
 * under the AR(1)-plus-random-intercept model they give θ and the Satterthwaite df ν; g = J(ν)δ̂ with
 * J(ν) = 1 − 3/(4ν − 1) and V(g) = J²(θ²ν/(ν−2) + g²(ν/(ν−2) − 1/J²)), ν truncated at 2.001. "decrease" flips
 * the sign of D̄. In ABk each case's phases pair up in order: a pair starts at each A run.
 */
export function bcSmd(cases: readonly BcSmdCase[], options: BcSmdOptions = {}): BcSmdResult {
  const fn = "bcSmd";
  const design = checkChoice(fn, "design", options.design, ["MB", "ABk"] as const);
  const sign = checkDirection(fn, options.direction) === "decrease" ? -1 : 1;
  const confidence = checkConfidence(fn, options.confidence);
  const obs = observations(fn, cases, design);
  const m = cases.length;
  const g = obs.length;

  // Case-by-pair-by-condition groups: their means give the D's, their residuals the autocovariances.
  const groups = groupBy(obs, (o) => `${o.case}|${o.pair}|${o.treat}`);
  const groupMean = new Map([...groups].map(([k, os]) => [k, avg(os.map((o) => o.value))]));
  const diffs: { case: number; a: Obs[]; b: Obs[] }[] = [];
  for (const [k, os] of groups) {
    if (os[0]!.treat !== 1) continue;
    const a = groups.get(k.replace(/\|1$/, "|0"));
    if (a) diffs.push({ case: os[0]!.case, a, b: os });
  }
  const dBar = (sign * avg(diffs.map((d) => avg(d.b.map((o) => o.value)) - avg(d.a.map((o) => o.value))))) as number;

  // S²: variance within time-by-condition cells (MB), or within the phase-point cells every case has (ABk).
  const cellKey = design === "MB" ? (o: Obs) => `${o.time}|${o.treat}` : (o: Obs) => `${o.pair}|${o.treat}|${o.point}`;
  const allCells = groupBy(obs, cellKey);
  const cells = design === "MB" ? allCells : new Map([...allCells].filter(([, os]) => os.length === m));
  const kept = [...cells.values()].flat();
  const cellCount = cells.size;
  const dfS = design === "MB" ? g - cellCount : cellCount * (m - 1);
  if (dfS <= 0)
    throw statsError(fn, "no time point has observations from two cases in the same condition, so S² is undefined");
  let ss = 0;
  for (const os of cells.values()) {
    const mu = avg(os.map((o) => o.value));
    for (const o of os) ss += (o.value - mu) ** 2;
  }
  const sSq = ss / dfS;
  if (!(sSq > 0)) throw statsError(fn, "the pooled within-time variance S² is 0, so the SMD is undefined");
  const unadjusted = dBar / Math.sqrt(sSq);

  // Lag-1 autocovariances of the residuals from the group means: over each whole case (MB), within each group (ABk).
  let g0 = 0;
  let g1 = 0;
  const runs = design === "MB" ? [...groupBy(obs, (o) => String(o.case)).values()] : [...groups.values()];
  for (const run of runs) {
    const e = run.map((o) => o.value - (groupMean.get(`${o.case}|${o.pair}|${o.treat}`) as number));
    const mu = avg(e);
    for (let t = 0; t < e.length; t++) {
      g0 += ((e[t] as number) - mu) ** 2;
      if (t > 0) g1 += ((e[t] as number) - mu) * ((e[t - 1] as number) - mu);
    }
  }
  const sizes = [...groups.values()].map((os) => os.length);
  const correction =
    design === "MB"
      ? sum(sizes.map((h) => (h - 1) / h)) / (g - 2 * m)
      : sum(sizes.map((h) => 1 - 1 / h)) / sum(sizes.map((h) => h - 1));
  if (!(g0 > 0)) {
    throw statsError(fn, "no value varies within any case and phase, so the autocorrelation is undefined");
  }
  const phi = g1 / g0 + correction;

  // σ²_w = residual SS / (g − tr(P R(φ))), P the projection on the group means; ABk counts lags in phase points.
  let trace = 0;
  for (const os of groups.values()) {
    let s = 0;
    for (const x of os) {
      for (const y of os) s += phi ** Math.abs(design === "MB" ? x.time - y.time : x.point - y.point);
    }
    trace += s / os.length;
  }
  const withinVariance = g0 / (g - trace);
  const icc = Math.max(0, 1 - withinVariance / sSq);

  // φ^lag for the (usually few, integer) lags, computed once.
  const powers = new Map<number, number>();
  const corr = (x: Obs, y: Obs): number => {
    if (x.case !== y.case) return 0;
    if (x === y) return 1;
    const lag = Math.abs(x.time - y.time);
    let p = powers.get(lag);
    if (p === undefined) powers.set(lag, (p = phi ** lag));
    return icc + (1 - icc) * p;
  };
  const nu = dfS ** 2 / traceAVAV(kept, [...cells.values()], corr);

  // θ² = Var(D̄) / (τ² + σ²): each case's contrast summed over its pairs, cases independent.
  let varSum = 0;
  for (const c of groupBy(diffs, (d) => String(d.case)).values()) {
    const os: Obs[] = [];
    const ws: number[] = [];
    for (const d of c) {
      os.push(...d.b, ...d.a);
      ws.push(...d.b.map(() => 1 / d.b.length), ...d.a.map(() => -1 / d.a.length));
    }
    for (let x = 0; x < os.length; x++) {
      for (let y = 0; y < os.length; y++) varSum += ws[x]! * ws[y]! * corr(os[x]!, os[y]!);
    }
  }
  const theta = Math.sqrt(varSum) / diffs.length;

  if (!Number.isFinite(nu) || !Number.isFinite(theta) || !(withinVariance > 0)) {
    throw statsError(fn, "the design leaves the degrees of freedom or the within-case variance undefined");
  }
  const j = 1 - 3 / (4 * nu - 1);
  const estimate = j * unadjusted;
  const nuT = Math.max(nu, 2.001);
  const variance = j * j * ((theta * theta * nuT) / (nuT - 2) + estimate * estimate * (nuT / (nuT - 2) - 1 / (j * j)));
  const se = Math.sqrt(variance);
  const half = tQuantile(1 - (1 - confidence) / 2, nu) * se;
  return {
    estimate,
    unadjusted,
    variance,
    se,
    ci: [estimate - half, estimate + half],
    df: nu,
    autocorrelation: phi,
    icc,
    withinVariance,
    pooledVariance: sSq,
    meanDifference: dBar,
    theta,
    cells: cellCount,
  };
}

/** tr(AVAV) for A the centring within cells and V the correlation among the kept observations. */
function traceAVAV(kept: Obs[], cells: Obs[][], corr: (x: Obs, y: Obs) => number): number {
  const index = new Map(kept.map((o, i) => [o, i]));
  const n = kept.length;
  // Row-major n×n; V is zero between cases, so only same-case pairs are evaluated.
  const av = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const x = kept[j] as Obs;
    for (let k = 0; k < n; k++) if (kept[k]!.case === x.case) av[j * n + k] = corr(x, kept[k] as Obs);
  }
  // (AV)_jk = V_jk − mean of V_lk over the cell of j.
  for (const cell of cells) {
    const rows = cell.map((o) => index.get(o) as number);
    if (rows.length === 1) {
      av.fill(0, rows[0]! * n, rows[0]! * n + n);
      continue;
    }
    for (let k = 0; k < n; k++) {
      let mu = 0;
      for (const r of rows) mu += av[r * n + k]!;
      mu /= rows.length;
      for (const r of rows) av[r * n + k]! -= mu;
    }
  }
  let t = 0;
  for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) t += av[j * n + k]! * av[k * n + j]!;
  return t;
}

function observations(fn: string, cases: readonly BcSmdCase[], design: "MB" | "ABk"): Obs[] {
  if (cases.length < 2) throw statsError(fn, `needs at least 2 cases, got ${cases.length}`);
  const obs: Obs[] = [];
  cases.forEach((c, ci) => {
    const where = `case ${ci + 1}`;
    const n = c.values.length;
    if (n === 0) throw statsError(fn, `${where} is empty`);
    if (c.phases.length !== n) throw statsError(fn, `${where} has ${n} values but ${c.phases.length} phases`);
    const times = c.times ?? c.values.map((_, i) => i + 1);
    if (times.length !== n) throw statsError(fn, `${where} has ${n} values but ${times.length} times`);
    const rows = c.values.map((value, i) => {
      const phase = c.phases[i];
      const time = times[i] as number;
      if (!Number.isFinite(value))
        throw statsError(fn, `${where} has a non-finite value (${String(value)}) at index ${i}`);
      if (phase !== "A" && phase !== "B") {
        throw statsError(fn, `${where} has phase ${JSON.stringify(phase)} at index ${i}; phases must be "A" or "B"`);
      }
      if (!Number.isFinite(time))
        throw statsError(fn, `${where} has a non-finite time (${String(time)}) at index ${i}`);
      return { value, treat: phase === "B" ? 1 : 0, time } as const;
    });
    rows.sort((x, y) => x.time - y.time);
    rows.forEach((r, i) => {
      if (i > 0 && rows[i - 1]!.time === r.time)
        throw statsError(fn, `${where} has two observations at time ${r.time}`);
    });
    if (!rows.some((r) => r.treat === 0)) throw statsError(fn, `${where} has no phase A observations`);
    if (!rows.some((r) => r.treat === 1)) throw statsError(fn, `${where} has no phase B observations`);
    // ABk: a new phase pair starts at each A run that follows a B run.
    let pair = 0;
    const points = new Map<string, number>();
    rows.forEach((r, i) => {
      if (design === "ABk" && i > 0 && r.treat === 0 && rows[i - 1]!.treat === 1) pair++;
      const key = `${pair}|${r.treat}`;
      const point = (points.get(key) ?? 0) + 1;
      points.set(key, point);
      obs.push({ case: ci, value: r.value, treat: r.treat, time: r.time, pair: design === "ABk" ? pair : 0, point });
    });
  });
  return obs;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
const avg = (xs: number[]): number => sum(xs) / xs.length;
