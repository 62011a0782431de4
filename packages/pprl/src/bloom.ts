/**
 * Keyed field-level Bloom filters (the cryptographic long-term key, CLK, of Schnell,
 * Bachteler and Reiher 2009, "Privacy-preserving record linkage using Bloom filters",
 * BMC Med Inform Decis Mak 9:41, built per field as in Durham 2012).
 *
 * A normalised value is split into its distinct padded q-grams (" anna " →
 * " a", "an", "nn", "na", "a "). Each q-gram g sets `hashes` bits by double hashing
 * (Kirsch & Mitzenmacher 2006, as in Schnell 2009):
 *   d = HMAC-SHA-256(K_label, UTF-8(g)),  h1 = uint32be(d[0..4]),  h2 = uint32be(d[4..8]) | 1
 *   bit_i = (h1 + i·h2) mod bits,  i = 0 … hashes−1
 * with K_label = HMAC-SHA-256(K_pprl, "kruispunt/pprl-bloom/v1" ‖ 0x00 ‖ UTF-8(label)).
 * `bits` is a power of two from 32 to 65,536; h2 is odd so the i·h2 walk never repeats early.
 * Without K_pprl nobody can compute the filter of a guessed name (dictionary attack).
 * Bits are numbered from the least significant bit of 32-bit word 0.
 */
import { createHmac } from "node:crypto";

/** The distinct q-grams of `value` padded with one space on each side; [] for "". */
export function qgrams(value: string, q: number): string[] {
  if (value === "") return [];
  const padded = ` ${value} `;
  const grams = new Set<string>();
  const chars = [...padded];
  for (let i = 0; i + q <= chars.length; i++) grams.add(chars.slice(i, i + q).join(""));
  return [...grams];
}

/** Derives the per-label Bloom key from the PPRL key (32 bytes). */
export function bloomKey(pprlKey: Uint8Array, label: string): Buffer {
  return createHmac("sha256", pprlKey).update(`kruispunt/pprl-bloom/v1\u0000${label}`).digest();
}

/**
 * The Bloom filter of `grams` under `labelKey`: `bits/32` little-endian 32-bit words.
 * `cache` (q-gram → bit positions) may be shared by calls with the same key.
 */
export function bloomFilter(
  labelKey: Buffer,
  grams: readonly string[],
  bits: number,
  hashes: number,
  cache?: Map<string, Uint16Array>,
): Uint32Array {
  const words = new Uint32Array(bits / 32);
  for (const gram of grams) {
    let positions = cache?.get(gram);
    if (!positions) {
      const d = createHmac("sha256", labelKey).update(gram).digest();
      const h1 = d.readUInt32BE(0);
      const h2 = (d.readUInt32BE(4) | 1) >>> 0;
      positions = new Uint16Array(hashes);
      // bits divides 2^32, so reducing mod 2^32 first does not change the result.
      for (let i = 0; i < hashes; i++) positions[i] = ((h1 + Math.imul(i, h2)) >>> 0) % bits;
      cache?.set(gram, positions);
    }
    for (const p of positions) words[p >>> 5] = (words[p >>> 5] as number) | (1 << (p & 31));
  }
  return words;
}
