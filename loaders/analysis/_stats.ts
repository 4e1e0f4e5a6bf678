/** Small descriptive helpers on non-empty, already validated arrays. */

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance with denominator n - 1 (NaN for n < 2). */
export function variance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return ss / (n - 1);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** OLS slope of `values` against 1..n (NaN for n < 2). */
export function trendSlope(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const tBar = (n + 1) / 2;
  const yBar = mean(values);
  let sxy = 0;
  let sxx = 0;
  values.forEach((y, i) => {
    const dt = i + 1 - tBar;
    sxy += dt * (y - yBar);
    sxx += dt * dt;
  });
  return sxy / sxx;
}

/** sign(x - y) as -1, 0 or 1. */
export function compare(x: number, y: number): number {
  return x > y ? 1 : x < y ? -1 : 0;
}
