/** A small seeded PRNG (mulberry32): the seed generator must give the same rows for the same seed, byte for byte. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i]!;
      if (r < 0) return items[i]!;
    }
    return items[items.length - 1]!;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Mixes integers into one 32-bit seed, so each user and day gets its own independent stream. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

const B36 = "0123456789abcdefghijklmnopqrstuvwxyz";

function base36(n: number, width: number): string {
  let s = "";
  for (let i = 0; i < width; i++) {
    s = B36[n % 36]! + s;
    n = Math.floor(n / 36);
  }
  return s;
}

/**
 * An id in Prisma's cuid() shape: "c", 8 base-36 digits of time, 4 of counter, 4 of fingerprint, 8 random.
 * Deterministic: time is the row's own time and the random part comes from the seeded stream.
 */
export function cuid(timeMs: number, counter: number, fingerprint: number, rng: Random): string {
  const random = base36(Math.floor(rng.next() * 36 ** 4), 4) + base36(Math.floor(rng.next() * 36 ** 4), 4);
  return `c${base36(timeMs, 8)}${base36(counter % 36 ** 4, 4)}${base36(fingerprint % 36 ** 4, 4)}${random}`;
}
