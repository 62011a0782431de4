/**
 * The Dice coefficient of two bit arrays, 2·|A ∧ B| / (|A| + |B|), the similarity
 * CLK linkage compares Bloom filters with (Schnell et al. 2009). Plain JavaScript
 * popcount (SWAR); every other module calls only `dice`, so a faster kernel can
 * replace this one in one place.
 */

/** Number of set bits of a 32-bit word (Hacker's Delight 5-2). */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Set bits of a whole filter. */
export function popcount(words: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < words.length; i++) n += popcount32(words[i] as number);
  return n;
}

/**
 * Dice coefficient in [0, 1] of two equally long filters, given their popcounts
 * (precomputed once per filter). Two empty filters give 0.
 */
export function dice(a: Uint32Array, b: Uint32Array, countA: number, countB: number): number {
  if (countA + countB === 0) return 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) both += popcount32((a[i] as number) & (b[i] as number));
  return (2 * both) / (countA + countB);
}
