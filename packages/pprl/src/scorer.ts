/**
 * Scoring and deciding one candidate pair: comparison vector (compare.ts), match
 * weight (fellegi-sunter.ts), and the decision by thresholds.
 *
 * Default parameters for schema kruispunt-person/v1: m and u as estimated by EM
 * (`estimateEm`) on the 8,024 candidate pairs that blocking gives for FEBRL 4
 * (dataset4a × dataset4b), rounded to 4 decimals; `pnpm --filter
 * @kruispunt/benchmarks pprl:febrl` re-estimates and prints them. They depend on the
 * schema and the blocking, not on the key. Thresholds: link at a match weight ≥ 4
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
  p: 0.615,
  m: [
    [0.1281, 0.0958, 0.0249, 0.7512],
    [0.0951, 0.1171, 0.0441, 0.7437],
    [0.0407, 0.0179, 0.0038, 0.9377],
    [0.1247, 0.0013, 0.0002, 0.8738],
    [0.0675, 0.026, 0.2458, 0.6607],
    [0.0744, 0.1132, 0.1772, 0.6352],
    [0.0623, 0.0809, 0.0837, 0.7731],
    [0.1471, 0.0042, 0.000001, 0.8486],
  ],
  u: [
    [0.6706, 0.0604, 0.0094, 0.2596],
    [0.6666, 0.0229, 0.007, 0.3034],
    [0.6224, 0.1614, 0.0068, 0.2094],
    [0.9755, 0.0029, 0.0014, 0.0202],
    [0.9211, 0.0785, 0.000001, 0.0003],
    [0.9935, 0.0052, 0.0009, 0.0004],
    [0.9882, 0.0018, 0.0002, 0.0097],
    [0.9801, 0.0013, 0.000001, 0.0186],
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
