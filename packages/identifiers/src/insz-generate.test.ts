import { describe, expect, it } from "vitest";
import { beInsz } from "./be-insz";
import { inszCheckDigits } from "./insz-check";
import { generateInsz } from "./insz-generate";

/** mulberry32: a tiny seeded PRNG so the test is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("generateInsz", () => {
  it("produces valid numbers from both centuries", () => {
    const rng = seeded(42);
    let from2000 = 0;
    for (let i = 0; i < 5_000; i++) {
      const insz = generateInsz(rng);
      expect(beInsz.validate(insz)).toEqual({ ok: true, canonical: insz });
      if (inszCheckDigits(insz.slice(0, 9), true) === insz.slice(9)) from2000++;
    }
    expect(from2000).toBeGreaterThan(100);
    expect(from2000).toBeLessThan(4_900);
  });

  it("is deterministic for a seeded rng", () => {
    const a = seeded(7);
    const b = seeded(7);
    for (let i = 0; i < 100; i++) expect(generateInsz(a)).toBe(generateInsz(b));
  });

  it("copes with rng edge values 0 and just below 1", () => {
    expect(beInsz.validate(generateInsz(() => 0)).ok).toBe(true);
    expect(beInsz.validate(generateInsz(() => 1 - 2 ** -53)).ok).toBe(true);
    expect(beInsz.validate(generateInsz(() => 1)).ok).toBe(true);
  });
});
