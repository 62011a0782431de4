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
  p: 0.581,
  m: [
    [0.1293, 0.0966, 0.0221, 0.752],
    [0.0967, 0.1165, 0.0438, 0.743],
    [0.0407, 0.0189, 0.0031, 0.9373],
    [0.1245, 0.0013, 0.0002, 0.874],
    [0.0682, 0.0252, 0.2436, 0.663],
    [0.0761, 0.1119, 0.1782, 0.6338],
    [0.0615, 0.0787, 0.0875, 0.7722],
    [0.1494, 0.003, 0.000001, 0.8476],
  ],
  u: [
    [0.62482, 0.06562, 0.01331, 0.29625],
    [0.60028, 0.02409, 0.01034, 0.36529],
    [0.65909, 0.15159, 0.00762, 0.1817],
    [0.97822, 0.00278, 0.00124, 0.01776],
    [0.93074, 0.06896, 0.000001, 0.00031],
    [0.99402, 0.00561, 0.000001, 0.00037],
    [0.9896, 0.00154, 0.00051, 0.00835],
    [0.9823, 0.0017, 0.000001, 0.01601],
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
