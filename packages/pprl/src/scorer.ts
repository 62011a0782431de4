/**
 * Scoring and deciding one candidate pair: comparison vector (compare.ts), match
 * weight (fellegi-sunter.ts), and the decision by thresholds.
 *
 * Default parameters for schema kruispunt-person/v1: m and u as estimated by EM
 * (`estimateEm`) on the candidate pairs that blocking gave for FEBRL 4
 * (dataset4a × dataset4b), rounded to 4 decimals; `pnpm --filter
 * @kruispunt/benchmarks pprl:febrl` re-estimates and prints them. They depend on the
 * schema, the blocking and the population, not on the key: a deployment re-estimates
 * them on its own candidate pairs (the linker's POST /v1/linkage/parameters/estimate),
 * and uses these only until then. Thresholds: link at a match weight ≥ 4
 * (a likelihood ratio of 16), clerical review from 1 (a pair with no field present scores 0: no evidence, no review); on FEBRL 4 no non-match scores
 * above 1.5 and all but a handful of matches score above 4.
 */

import type { Thresholds } from "./assign";
import { comparisonVector, similarities } from "./compare";
import type { Encoding } from "./encode";
import { type FsParameters, score, weights } from "./fellegi-sunter";
import { type EncodingSchema, PERSON_SCHEMA_V1 } from "./schema";

/** EM estimates on FEBRL 4 for kruispunt-person/v1 (field order of the schema; levels 0–3). */
export const PERSON_V1_PARAMETERS: FsParameters = {
  p: 0.669,
  m: [
    [0.1314, 0.0938, 0.0225, 0.7523],
    [0.0954, 0.1171, 0.0436, 0.7439],
    [0.0414, 0.0177, 0.0036, 0.9374],
    [0.1245, 0.0013, 0.0002, 0.8739],
    [0.068, 0.0237, 0.2483, 0.66],
    [0.077, 0.1089, 0.1805, 0.6336],
    [0.0616, 0.0787, 0.0863, 0.7734],
    [0.148, 0.0042, 0.000001, 0.8478],
  ],
  u: [
    [0.7745, 0.0375, 0.0094, 0.1785],
    [0.4227, 0.0381, 0.0125, 0.5267],
    [0.6205, 0.1055, 0.0082, 0.2658],
    [0.9779, 0.0031, 0.0013, 0.0176],
    [0.9436, 0.0559, 0.000001, 0.0004],
    [0.9924, 0.0071, 0.000001, 0.0006],
    [0.9844, 0.0028, 0.0007, 0.0121],
    [0.9742, 0.0033, 0.000001, 0.0225],
  ],
};

export const DEFAULT_THRESHOLDS: Thresholds = { link: 4, review: 1 };

export type Decision = "link" | "review" | "no-link";

export interface PairScore {
  /** Match weight (log2 likelihood ratio). */
  score: number;
  /** Agreement level per field (−1 missing). */
  levels: number[];
}

/** Scores pairs of encodings under one schema and parameter set. */
export class Scorer {
  private readonly w: number[][];

  constructor(
    readonly schema: EncodingSchema = PERSON_SCHEMA_V1,
    params: FsParameters = PERSON_V1_PARAMETERS,
  ) {
    this.w = weights(params);
  }

  /** Throws PprlError KRP_ERR_PPRL_SCHEMA_MISMATCH for encodings of different schema/key version. */
  score(a: Encoding, b: Encoding): PairScore {
    const levels = comparisonVector(this.schema, a, b);
    return { score: score(this.w, levels), levels };
  }

  /** Per-field Dice similarities (for explaining a score in review). */
  similarities(a: Encoding, b: Encoding): (number | null)[] {
    return similarities(this.schema, a, b);
  }
}

/** The decision for one score: link (≥ link), review (≥ review) or no link. */
export function decide(s: number, t: Thresholds = DEFAULT_THRESHOLDS): Decision {
  return s >= t.link ? "link" : s >= t.review ? "review" : "no-link";
}
