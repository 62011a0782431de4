import { describe, expect, it } from "vitest";
import { MISSING } from "./compare";
import {
  degenerateEstimate,
  estimateEm,
  estimateEmFromPatterns,
  type FsParameters,
  patternCounts,
} from "./fellegi-sunter";

/** Park–Miller minimal standard generator: the same pairs on every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

const draw = (r: () => number, probs: readonly number[]) => {
  let x = r();
  for (let l = 0; l < probs.length; l++) {
    x -= probs[l] as number;
    if (x < 0) return l;
  }
  return probs.length - 1;
};

/** Comparison vectors of `n` pairs drawn from known parameters (fields independent given match status). */
function simulate(truth: FsParameters, n: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const match = r() < truth.p;
    return truth.m.map((_, f) => draw(r, (match ? truth.m : truth.u)[f] as number[]));
  });
}

const TRUTH: FsParameters = {
  p: 0.2,
  m: [
    [0.05, 0.05, 0.1, 0.8],
    [0.02, 0.03, 0.05, 0.9],
    [0.1, 0.05, 0.05, 0.8],
  ],
  u: [
    [0.7, 0.15, 0.1, 0.05],
    [0.85, 0.1, 0.03, 0.02],
    [0.6, 0.1, 0.1, 0.2],
  ],
};

describe("EM estimation (Winkler 1988)", () => {
  it("recovers the parameters the pairs were drawn from", () => {
    const est = estimateEm(simulate(TRUTH, 40_000, 7), 3, 500);
    expect(est.p).toBeCloseTo(TRUTH.p, 2);
    for (let f = 0; f < 3; f++)
      for (let l = 0; l < 4; l++) {
        expect(Math.abs((est.m[f] as number[])[l]! - TRUTH.m[f]![l]!)).toBeLessThan(0.02);
        expect(Math.abs((est.u[f] as number[])[l]! - TRUTH.u[f]![l]!)).toBeLessThan(0.02);
      }
  });

  it("gives the same estimate from pattern counts in any order of the pairs", () => {
    const vectors = simulate(TRUTH, 5_000, 11);
    const forward = estimateEm(vectors, 3);
    const backward = estimateEm([...vectors].reverse(), 3);
    expect(backward).toEqual(forward);
    const patterns = patternCounts(vectors);
    expect(patterns.reduce((n, p) => n + p.count, 0)).toBe(5_000);
    expect(patterns.length).toBeLessThanOrEqual(64);
    expect(estimateEmFromPatterns(patterns, 3)).toEqual(forward);
  });

  it("counts a missing field in neither m nor u", () => {
    const vectors = simulate(TRUTH, 5_000, 13).map((v) => [v[0]!, v[1]!, MISSING]);
    const est = estimateEm(vectors, 3);
    expect(est.m[2]).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(est.u[2]).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});

describe("degenerate estimates", () => {
  const names = ["given_name", "surname", "postcode"];
  it("accepts an estimate that separates matches from non-matches", () => {
    const est = estimateEm(simulate(TRUTH, 10_000, 17), 3);
    expect(degenerateEstimate(est, 10_000, names, [true, true, true])).toBeNull();
  });

  it("refuses one where full agreement on a field counts against a match", () => {
    const est: FsParameters = {
      ...TRUTH,
      m: [TRUTH.m[0]!, TRUTH.m[1]!, [0.6, 0.2, 0.1, 0.1]],
    };
    expect(degenerateEstimate(est, 10_000, names, [true, true, true])).toBe(
      "full agreement on postcode came out as evidence against a match (m 0.1000 ≤ u 0.2000)",
    );
    // A field never compared does not count.
    expect(degenerateEstimate(est, 10_000, names, [true, true, false])).toBeNull();
  });

  it("refuses one that found no matches", () => {
    const vectors = Array.from({ length: 1_000 }, () => [0, 0, 0]);
    expect(degenerateEstimate(estimateEm(vectors, 3), 1_000, names, [true, true, true])).toBe(
      "EM found no matches among the 1000 candidate pairs",
    );
  });
});
