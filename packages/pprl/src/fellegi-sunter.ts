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

/** A comparison vector (agreement levels, MISSING where a side lacks the field) and how many pairs have it. */
export interface Pattern {
  levels: readonly number[];
  count: number;
}

/**
 * Counts comparison vectors by pattern, as pairs are scored (one pass over however many
 * pairs; memory grows with the distinct patterns, at most (LEVELS + 1)^fields).
 */
export class PatternCounter {
  private readonly counts = new Map<string, Pattern>();
  private n = 0;

  add(levels: readonly number[]): void {
    const key = levels.join(",");
    const seen = this.counts.get(key);
    if (seen) seen.count += 1;
    else this.counts.set(key, { levels: [...levels], count: 1 });
    this.n += 1;
  }

  /** Pairs counted. */
  get pairs(): number {
    return this.n;
  }

  /**
   * The distinct vectors with their counts, in a fixed order (by the vector's text), so
   * EM sums in the same order whatever order the pairs came in.
   */
  patterns(): Pattern[] {
    return [...this.counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, p]) => p);
  }
}

/** The distinct comparison vectors of `vectors` with their counts (PatternCounter.patterns). */
export function patternCounts(vectors: Iterable<readonly number[]>): Pattern[] {
  const counter = new PatternCounter();
  for (const v of vectors) counter.add(v);
  return counter.patterns();
}

/** Estimates m, u and p from comparison vectors by EM (see module doc). */
export function estimateEm(
  vectors: readonly number[][],
  fields: number,
  iterations = 100,
): FsParameters {
  return estimateEmFromPatterns(patternCounts(vectors), fields, iterations);
}

/**
 * EM (see module doc) on pattern counts: the same estimate as `estimateEm` on the
 * vectors they count, in time proportional to the number of distinct patterns.
 */
export function estimateEmFromPatterns(
  patterns: readonly Pattern[],
  fields: number,
  iterations = 100,
): FsParameters {
  let params = initial(fields);
  const total = patterns.reduce((n, p) => n + p.count, 0);
  for (let it = 0; it < iterations && total > 0; it++) {
    const mSum = Array.from({ length: fields }, () => new Array<number>(LEVELS).fill(0));
    const uSum = Array.from({ length: fields }, () => new Array<number>(LEVELS).fill(0));
    let gSum = 0;
    for (const { levels, count } of patterns) {
      let lm = Math.log(params.p);
      let lu = Math.log(1 - params.p);
      levels.forEach((l, f) => {
        if (l === MISSING) return;
        lm += Math.log((params.m[f] as number[])[l] as number);
        lu += Math.log((params.u[f] as number[])[l] as number);
      });
      const g = 1 / (1 + Math.exp(lu - lm));
      gSum += g * count;
      levels.forEach((l, f) => {
        if (l === MISSING) return;
        (mSum[f] as number[])[l] = ((mSum[f] as number[])[l] as number) + g * count;
        (uSum[f] as number[])[l] = ((uSum[f] as number[])[l] as number) + (1 - g) * count;
      });
    }
    const norm = (row: number[]) => {
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((x) => Math.max(FLOOR, sum === 0 ? 1 / LEVELS : x / sum));
    };
    const p = Math.min(1 - FLOOR, Math.max(FLOOR, gSum / total));
    const done = Math.abs(p - params.p) < 1e-9;
    params = { p, m: mSum.map(norm), u: uSum.map(norm) };
    if (done) break;
  }
  return params;
}

/**
 * Why an estimate cannot be used, or null: EM found no matches or no non-matches (fewer
 * than one expected among the `pairs` it ran on), or for a field compared in some pair, full agreement (the top
 * level) is not evidence for a match (m ≤ u there) — the classes EM separated are then
 * something other than match and non-match (e.g. "same postcode"), and linking with them
 * would be wrong. `present[f]`: whether field f was compared in any pair.
 */
export function degenerateEstimate(
  params: FsParameters,
  pairs: number,
  fieldNames: readonly string[],
  present: readonly boolean[],
): string | null {
  if (params.p * pairs < 1) return `EM found no matches among the ${pairs} candidate pairs`;
  if ((1 - params.p) * pairs < 1)
    return `EM found no non-matches among the ${pairs} candidate pairs`;
  for (let f = 0; f < fieldNames.length; f++) {
    if (!present[f]) continue;
    const top = LEVELS - 1;
    const m = (params.m[f] as number[])[top] as number;
    const u = (params.u[f] as number[])[top] as number;
    if (m <= u)
      return `full agreement on ${fieldNames[f]} came out as evidence against a match (m ${m.toFixed(4)} ≤ u ${u.toFixed(4)})`;
  }
  return null;
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
