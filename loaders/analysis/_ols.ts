/** Ordinary least squares by Householder QR: coefficients, their covariance factor and the residual sum of squares. */
export interface OlsFit {
  coefficients: number[];
  /** Diagonal of (XᵀX)⁻¹. */
  unscaledVariances: number[];
  rss: number;
  /** Index of the first column found linearly dependent on the earlier ones, or -1. */
  dependentColumn: number;
}

/** Fits y = Xβ. `columns` holds X column by column (each of length n); n must exceed the column count. */
export function ols(columns: readonly (readonly number[])[], y: readonly number[]): OlsFit {
  const p = columns.length;
  const n = y.length;
  const a = columns.map((c) => [...c]);
  const qty = [...y];
  const r: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const scale = Math.max(...columns.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0))), 1e-300);
  let dependentColumn = -1;

  for (let k = 0; k < p; k++) {
    const col = a[k] as number[];
    let norm = 0;
    for (let i = k; i < n; i++) norm += (col[i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm <= 1e-10 * scale) {
      if (dependentColumn < 0) dependentColumn = k;
      continue;
    }
    const alpha = (col[k] as number) > 0 ? -norm : norm;
    // Householder vector v = x - αe_k, applied as H = I - 2vvᵀ/(vᵀv) to the remaining columns and to y.
    const v = new Array<number>(n).fill(0);
    for (let i = k; i < n; i++) v[i] = col[i] as number;
    v[k] = (v[k] as number) - alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += (v[i] as number) ** 2;
    const reflect = (x: number[]) => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += (v[i] as number) * (x[i] as number);
      const f = (2 * dot) / vv;
      for (let i = k; i < n; i++) x[i] = (x[i] as number) - f * (v[i] as number);
    };
    for (let j = k; j < p; j++) reflect(a[j] as number[]);
    reflect(qty);
    for (let j = k; j < p; j++) (r[k] as number[])[j] = (a[j] as number[])[k] as number;
  }
  if (dependentColumn >= 0) {
    return { coefficients: [], unscaledVariances: [], rss: NaN, dependentColumn };
  }

  // Back substitution for β, and R⁻¹ for the covariance (XᵀX)⁻¹ = R⁻¹R⁻ᵀ.
  const rr = (i: number, j: number) => (r[i] as number[])[j] as number;
  const coefficients = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = qty[i] as number;
    for (let j = i + 1; j < p; j++) s -= rr(i, j) * (coefficients[j] as number);
    coefficients[i] = s / rr(i, i);
  }
  const inv: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let j = 0; j < p; j++) {
    (inv[j] as number[])[j] = 1 / rr(j, j);
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let l = i + 1; l <= j; l++) s += rr(i, l) * ((inv[l] as number[])[j] as number);
      (inv[i] as number[])[j] = -s / rr(i, i);
    }
  }
  const unscaledVariances = inv.map((row) => row.reduce((s, v) => s + v * v, 0));
  let rss = 0;
  for (let i = p; i < n; i++) rss += (qty[i] as number) ** 2;
  return { coefficients, unscaledVariances, rss, dependentColumn };
}
