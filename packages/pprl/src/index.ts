/**
 * @kruispunt/pprl: privacy-preserving probabilistic record linkage on keyed
 * field-level Bloom filters (CLK, Schnell, Bachteler & Reiher 2009).
 *
 * The steps, in the order a record meets them:
 * 1. encode (pseudonymiser only, it holds the key): `new Encoder(pprlKey, keyVersion,
 *    PERSON_SCHEMA_V1).encode({given_name, surname, date_of_birth, …})` → Encoding
 *    (normalise.ts, bloom.ts, blocking.ts); `toWire`/`fromWire` pack it for Kafka.
 * 2. block: records sharing a keyed blocking key are candidates (`candidatePairs`).
 * 3. compare: per-field Dice similarities, name swap allowed (`similarities`).
 * 4. score: Fellegi–Sunter match weight with EM-estimated m/u (`Scorer`, `estimateEm`).
 * 5. decide: link / clerical review / no link by thresholds, one-to-one greedy
 *    best-score-first (`decide`, `assignOneToOne`); `linkEncodings` does 2–5 in batch.
 */
export { type Assignment, assignOneToOne, type ScoredPair, type Thresholds } from "./assign";
export { blockingValues, phonetic } from "./blocking";
export { bloomFilter, qgrams } from "./bloom";
export { candidatePairs } from "./candidates";
export {
  assertComparable,
  comparisonVector,
  LEVEL_CUTS,
  levelOf,
  MISSING,
  similarities,
} from "./compare";
export { dice, popcount } from "./dice";
export { Encoder, type Encoding, pprlKeyFromLinkageKey } from "./encode";
export { PprlError, PprlErrorCode, pprlErrorDescriptions } from "./errors";
export {
  degenerateEstimate,
  estimateEm,
  estimateEmFromPatterns,
  type FsParameters,
  type Pattern,
  PatternCounter,
  patternCounts,
  score,
  weights,
} from "./fellegi-sunter";
export { type IndexPair, type LinkOptions, type LinkResult, linkEncodings } from "./link";
export { normaliseDate, normaliseName, normalisePostcode, yearOf } from "./normalise";
export { type EncodingSchema, type FieldSpec, getSchema, PERSON_SCHEMA_V1 } from "./schema";
export {
  DEFAULT_THRESHOLDS,
  type Decision,
  decide,
  type PairScore,
  PERSON_V1_PARAMETERS,
  Scorer,
} from "./scorer";
export { filtersLength, fromWire, toWire, type WireEncoding } from "./wire";
