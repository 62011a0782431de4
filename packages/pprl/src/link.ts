/**
 * Linking two datasets' encodings in one go (batch; the linker does the same pair by
 * pair as records arrive): block → compare → score → decide one-to-one.
 *
 *   const enc = new Encoder(pprlKey, keyVersion, PERSON_SCHEMA_V1);
 *   const result = linkEncodings(left.map((r) => enc.encode(r)), right.map((r) => enc.encode(r)));
 *   result.links   // [{left: i, right: j, score}], indices into left and right
 *
 * `exact` (pairs already linked on linkage pseudonyms) take precedence: their records
 * are not linked probabilistically again (one-to-one within the dataset pair).
 */
import { assignOneToOne, type Thresholds } from "./assign";
import { candidatePairs } from "./candidates";
import { comparisonVector } from "./compare";
import type { Encoding } from "./encode";
import { estimateEm, type FsParameters, score, weights } from "./fellegi-sunter";
import { getSchema } from "./schema";
import { DEFAULT_THRESHOLDS, PERSON_V1_PARAMETERS } from "./scorer";

export interface IndexPair {
  left: number;
  right: number;
  score: number;
}

export interface LinkOptions {
  /** Fellegi–Sunter parameters, or "em" to estimate them on the candidate pairs (default). */
  parameters?: FsParameters | "em";
  thresholds?: Thresholds;
  /** Pairs [left, right] already linked exactly. */
  exact?: readonly [number, number][];
}

export interface LinkResult {
  links: IndexPair[];
  review: IndexPair[];
  /** Number of distinct candidate pairs scored (each once). */
  candidates: number;
  parameters: FsParameters;
}

/** Links `left` with `right` (encodings of one schema and key version; else PprlError). */
export function linkEncodings(
  left: readonly Encoding[],
  right: readonly Encoding[],
  options: LinkOptions = {},
): LinkResult {
  const schemaId = left[0]?.schemaId ?? right[0]?.schemaId;
  if (!schemaId) return { links: [], review: [], candidates: 0, parameters: PERSON_V1_PARAMETERS };
  const schema = getSchema(schemaId);
  const pairs = candidatePairs(left, right);
  const vectors = pairs.map(([i, j]) =>
    comparisonVector(schema, left[i] as Encoding, right[j] as Encoding),
  );
  const parameters =
    options.parameters === undefined || options.parameters === "em"
      ? estimateEm(vectors, schema.fields.length)
      : options.parameters;
  const w = weights(parameters);
  const usedLeft = new Set<number>();
  const usedRight = new Set<number>();
  for (const [i, j] of options.exact ?? []) {
    usedLeft.add(i);
    usedRight.add(j);
  }
  const scored = pairs
    .map(([i, j], k) => ({
      left: String(i),
      right: String(j),
      score: score(w, vectors[k] as number[]),
    }))
    .filter((p) => !usedLeft.has(Number(p.left)) && !usedRight.has(Number(p.right)));
  // Pad indices so the string tie-break of assignOneToOne follows numeric order.
  const pad = (s: string) => s.padStart(10, "0");
  const assigned = assignOneToOne(
    scored.map((p) => ({ ...p, left: pad(p.left), right: pad(p.right) })),
    options.thresholds ?? DEFAULT_THRESHOLDS,
  );
  const back = (p: { left: string; right: string; score: number }): IndexPair => ({
    left: Number(p.left),
    right: Number(p.right),
    score: p.score,
  });
  return {
    links: assigned.links.map(back),
    review: assigned.review.map(back),
    candidates: pairs.length,
    parameters,
  };
}
