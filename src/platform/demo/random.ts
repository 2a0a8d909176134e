/** Seeded randomness for demo and benchmark data: the same seed, the same rows, on every machine. */

/** A seeded PRNG (mulberry32): fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

export const between = (random: Random, min: number, max: number) => min + random() * (max - min);
export const intBetween = (random: Random, min: number, max: number) =>
  Math.floor(between(random, min, max + 1));

export function pick<T>(random: Random, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

/** One of `weights`' keys, each as likely as its weight. */
export function weighted<K extends string>(
  random: Random,
  weights: Readonly<Record<K, number>>,
): K {
  const entries = Object.entries(weights) as [K, number][];
  let left = random() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [key, weight] of entries) {
    left -= weight;
    if (left < 0) return key;
  }
  return (entries.at(-1) as [K, number])[0];
}

/** Up to `max` distinct values, in vocabulary order. */
export function someOf<T>(random: Random, values: readonly T[], max: number): T[] {
  const wanted = intBetween(random, 0, max);
  const chosen = new Set<T>();
  while (chosen.size < wanted) chosen.add(pick(random, values));
  return values.filter((v) => chosen.has(v));
}

/** Rounds a price to about three significant digits, as people price things. */
export function roundPrice(value: number): number {
  const step = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 2);
  return Math.max(step, Math.round(value / step) * step);
}
