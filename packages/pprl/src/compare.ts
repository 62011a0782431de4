/**
 * Comparing two encodings field by field with the Dice coefficient, and turning the
 * similarities into agreement levels for Fellegi–Sunter scoring.
 *
 * Given name and surname are hashed under one label (schema.ts), so they can be
 * compared crosswise: when given↔surname, surname↔given agree better than the
 * straight comparison, the crossed similarities are used (a swapped pair links).
 */
import { dice } from "./dice";
import type { Encoding } from "./encode";
import { PprlError } from "./errors";
import type { EncodingSchema } from "./schema";

/**
 * Agreement level of a Dice similarity: 3 (≥ 0.95, equal up to Bloom collisions),
 * 2 (≥ 0.85), 1 (≥ 0.7), 0 (below); MISSING when either side lacks the field.
 */
export const LEVEL_CUTS = [0.95, 0.85, 0.7] as const;
export const LEVELS = LEVEL_CUTS.length + 1;
export const MISSING = -1;

export function levelOf(similarity: number): number {
  for (let i = 0; i < LEVEL_CUTS.length; i++)
    if (similarity >= (LEVEL_CUTS[i] as number)) return LEVELS - 1 - i;
  return 0;
}

/** Throws KRP_ERR_PPRL_SCHEMA_MISMATCH unless both encodings share schema id and key version. */
export function assertComparable(a: Encoding, b: Encoding): void {
  if (a.schemaId !== b.schemaId || a.keyVersion !== b.keyVersion)
    throw new PprlError(
      "KRP_ERR_PPRL_SCHEMA_MISMATCH",
      `cannot compare an encoding of ${a.schemaId} key version ${a.keyVersion} with one of ${b.schemaId} key version ${b.keyVersion}`,
    );
}

function fieldDice(a: Encoding, b: Encoding, i: number, j: number): number | null {
  const fa = a.fields[i];
  const fb = b.fields[j];
  if (!fa || !fb) return null;
  return dice(fa, fb);
}

/**
 * Per-field Dice similarities of two encodings (null where either side is missing),
 * with the name swap applied. Throws KRP_ERR_PPRL_SCHEMA_MISMATCH (see assertComparable).
 */
export function similarities(schema: EncodingSchema, a: Encoding, b: Encoding): (number | null)[] {
  assertComparable(a, b);
  const sims = schema.fields.map((_, i) => fieldDice(a, b, i, i));
  const gn = schema.fields.findIndex((f) => f.name === "given_name");
  const sn = schema.fields.findIndex((f) => f.name === "surname");
  if (gn >= 0 && sn >= 0) {
    const straight = (sims[gn] ?? 0) + (sims[sn] ?? 0);
    const crossG = fieldDice(a, b, gn, sn);
    const crossS = fieldDice(a, b, sn, gn);
    if ((crossG ?? 0) + (crossS ?? 0) > straight) {
      sims[gn] = crossG;
      sims[sn] = crossS;
    }
  }
  return sims;
}

/** Agreement levels (0…LEVELS−1, or MISSING) of two encodings. */
export function comparisonVector(schema: EncodingSchema, a: Encoding, b: Encoding): number[] {
  return similarities(schema, a, b).map((s) => (s === null ? MISSING : levelOf(s)));
}
