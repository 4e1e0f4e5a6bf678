/** Small helpers the benchmarks share. */

export function whole(raw: string | boolean | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number of at least 1, got "${raw}"`);
  return n;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
export const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
