/**
 * A small seeded PRNG for the fuzz suite (mulberry32): the same seed gives the same cases on any
 * machine, so a failure printed as `seed, case` replays exactly. Each case gets its own stream,
 * derived from (seed, case index), so one case can be rerun without the ones before it.
 */

export interface Rng {
  /** A uint32. */
  u32(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** n random bytes. */
  bytes(n: number): Buffer;
  /** A length skewed towards small values, up to max: most cases small, a few large. */
  size(max: number): number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The stream of case `index` under `seed` (a splitmix-style mix, so neighbouring cases differ). */
export function caseRng(seed: number, index: number): Rng {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return rngFrom(mulberry32((h ^ (h >>> 16)) >>> 0));
}

export function rngFrom(next: () => number): Rng {
  const r: Rng = {
    u32: next,
    int: (n) => (n <= 0 ? 0 : Math.floor((next() / 4294967296) * n)),
    range: (lo, hi) => lo + r.int(hi - lo + 1),
    chance: (p) => next() / 4294967296 < p,
    pick: (xs) => xs[r.int(xs.length)],
    bytes(n) {
      const b = Buffer.allocUnsafe(n);
      let i = 0;
      for (; i + 4 <= n; i += 4) b.writeUInt32LE(next(), i);
      for (; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
    size(max) {
      // Log-uniform: as many cases under 16 bytes as between 16 and 256, and so on.
      const bits = Math.log2(max + 1);
      return Math.min(max, Math.floor(2 ** (r.int(1000) / 1000 * bits)) - 1 + r.int(2));
    },
  };
  return r;
}
