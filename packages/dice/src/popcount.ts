/**
 * Population count (number of set bits) on 32-bit words in plain JavaScript: the SWAR
 * method of Hacker's Delight (Warren, 2nd ed., §5-1, figure 5-2), which V8 compiles to a
 * handful of integer instructions. This is the baseline the WebAssembly kernel is measured
 * against, and the fallback when WebAssembly is unavailable.
 */

/** Set bits in one unsigned 32-bit word `x` (0 ≤ result ≤ 32). */
export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Set bits in `words[from .. from+length)` (whole array by default). */
export function popcount(words: Uint32Array, from = 0, length = words.length - from): number {
  let n = 0;
  const end = from + length;
  for (let i = from; i < end; i++) n += popcount32(words[i] as number);
  return n;
}

/**
 * Popcount of every record in `records`, laid out contiguously with `wordsPerRecord`
 * 32-bit words each; returns one count per record.
 */
export function popcounts(records: Uint32Array, wordsPerRecord: number): Uint32Array {
  const n = Math.floor(records.length / wordsPerRecord);
  const out = new Uint32Array(n);
  for (let r = 0; r < n; r++) out[r] = popcount(records, r * wordsPerRecord, wordsPerRecord);
  return out;
}
