/**
 * Fellegi–Sunter scoring (Fellegi & Sunter 1969, "A theory for record linkage",
 * JASA 64:1183) with m and u estimated by expectation–maximisation (Winkler 1988;
 * Jaro 1989), under the usual assumption that fields agree independently given
 * match status.
 *
 * For field f and agreement level l: m[f][l] = P(level l | match),
 * u[f][l] = P(level l | non-match). A pair's score is its match weight
 *   W = Σ_f log2(m[f][l_f] / u[f][l_f])   over fields that are present on both sides,
 * so a missing field weighs 0: it neither helps nor hurts.
 *
 * EM runs on the comparison vectors of the candidate pairs (the pairs blocking
 * produced): E-step g = p·Πm / (p·Πm + (1−p)·Πu) per pair, M-step p = mean g,
 * m[f][l] = Σ g·[l_f = l] / Σ g·[f present], u likewise with 1−g; each probability
 * kept ≥ 1e-6 so no weight is infinite. Starting point: p = 0.1, m rising and u falling
 * with the level. Stops after `iterations` or when p moves less than 1e-9.
 */
import { LEVELS, MISSING } from "./compare";

export interface FsParameters {
  /** Share of candidate pairs that are matches. */
  p: number;
  /** m[field][level]. */
  m: number[][];
  /** u[field][level]. */
  u: number[][];
}

const FLOOR = 1e-6;

function initial(fields: number): FsParameters {
  const m = [0.05, 0.05, 0.1, 0.8];
  const u = [0.85, 0.07, 0.05, 0.03];
  return {
    p: 0.1,
    m: Array.from({ length: fields }, () => m.slice(0, LEVELS)),
    u: Array.from({ length: fields }, () => u.slice(0, LEVELS)),
  };
}

/** Estimates m, u and p from comparison vectors by EM (see module doc). */
export function estimateEm(
  vectors: readonly number[][],
  fields: number,
  iterations = 100,
): FsParameters {
  let params = initial(fields);
  for (let it = 0; it < iterations && vectors.length > 0; it++) {
    const mSum = Array.from({ length: fields }, () => new Array<number>(LEVELS).fill(0));
    const uSum = Array.from({ length: fields }, () => new Array<number>(LEVELS).fill(0));
    let gSum = 0;
    for (const v of vectors) {
      let lm = Math.log(params.p);
      let lu = Math.log(1 - params.p);
      v.forEach((l, f) => {
        if (l === MISSING) return;
        lm += Math.log((params.m[f] as number[])[l] as number);
        lu += Math.log((params.u[f] as number[])[l] as number);
      });
      const g = 1 / (1 + Math.exp(lu - lm));
      gSum += g;
      v.forEach((l, f) => {
        if (l === MISSING) return;
        (mSum[f] as number[])[l] = ((mSum[f] as number[])[l] as number) + g;
        (uSum[f] as number[])[l] = ((uSum[f] as number[])[l] as number) + 1 - g;
      });
    }
    const norm = (row: number[]) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((x) => Math.max(FLOOR, total === 0 ? 1 / LEVELS : x / total));
    };
    const p = Math.min(1 - FLOOR, Math.max(FLOOR, gSum / vectors.length));
    const done = Math.abs(p - params.p) < 1e-9;
    params = { p, m: mSum.map(norm), u: uSum.map(norm) };
    if (done) break;
  }
  return params;
}

/** Match weights log2(m/u) per field and level. */
export function weights(params: FsParameters): number[][] {
  return params.m.map((row, f) =>
    row.map((m, l) => Math.log2(m / ((params.u[f] as number[])[l] as number))),
  );
}

/** A pair's match weight: the sum of its present fields' weights. */
export function score(w: readonly number[][], vector: readonly number[]): number {
  let s = 0;
  vector.forEach((l, f) => {
    if (l !== MISSING) s += (w[f] as number[])[l] as number;
  });
  return s;
}
