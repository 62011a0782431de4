/**
 * A seeded pseudo-random source for reproducible synthetic data: mulberry32
 * (Tommy Ettinger's 32-bit generator), floats in [0, 1). Not for anything secret.
 */

/** Floats in [0, 1), like `Math.random`, but the same sequence for the same seed. */
export type Rng = () => number;

/** mulberry32 seeded with the low 32 bits of `seed`. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], uniform. */
export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Any element of `items`, uniform. */
export function oneOf<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/**
 * An element of `items` skewed towards the front (index = ⌊n·u²⌋): lists ordered from
 * most to least common give a long tail, as real name frequencies have.
 */
export function skewed<T>(rng: Rng, items: readonly T[]): T {
  const u = rng();
  return items[Math.floor(items.length * u * u)] as T;
}

/**
 * An element of `items` with a Zipf-like long tail (index = ⌊n·u^1.5⌋): the first of
 * n = 1,000 is drawn about 1 % of the time, the first 70 together about 17 %.
 */
export function longTailed<T>(rng: Rng, items: readonly T[]): T {
  const u = rng();
  return items[Math.floor(items.length * u ** 1.5)] as T;
}
