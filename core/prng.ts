// Seeded pseudo-random numbers for the simulators and the demo data: mulberry32 (32-bit state, fast, good enough for
// simulation, not for secrets). Same seed → same sequence on every machine, which is what makes the
// generated network byte-identical and a scenario repeatable.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Index drawn with probability proportional to weights[i] (weights ≥ 0, at least one > 0). */
  weightedIndex(weights: readonly number[]): number;
  /** Standard normal (Box–Muller). */
  normal(mean?: number, sd?: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Log-normal with the given median and shape sigma (long right tail). */
  logNormal(median: number, sigma: number): number;
  /** k distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[];
  /** A new independent generator derived from this one (for per-truck streams). */
  fork(): Random;
  /** The 32-bit state, so a generator can be saved and restored. */
  readonly state: number;
}

export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    range: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weightedIndex: (weights) => {
      let total = 0;
      for (const w of weights) total += w;
      if (!(total > 0)) throw new Error('weightedIndex needs a positive total weight');
      let r = next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i]!;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    normal: (mean = 0, sd = 1) => {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    exponential: (mean) => -mean * Math.log(1 - next()),
    logNormal: (median, sigma) => median * Math.exp(sigma * random.normal()),
    sample: (items, k) => {
      const copy = [...items];
      const n = Math.min(k, copy.length);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(next() * (copy.length - i));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, n);
    },
    fork: () => createRandom(Math.floor(next() * 4294967296) ^ 0x9e3779b9),
    get state() {
      return a;
    },
  };
  return random;
}
