/**
 * The encoding schema: which quasi-identifier fields are encoded, how (normaliser,
 * q-gram length, Bloom-filter size), under which hashing label, and the
 * Fellegi–Sunter parameters the linker scores them with. An encoding records the
 * schema id it was made under; encodings of different schemas never compare.
 *
 * Field names are those a dataset contract lists in `quasiIdentifiers`; fields
 * outside the schema are sealed like the others but not encoded.
 */
import { PprlError } from "./errors";
import { normaliseDate, normaliseName, normalisePostcode } from "./normalise";

export interface FieldSpec {
  name: string;
  normalise: (value: string) => string;
  /** q-gram length (2: bigrams, Schnell et al. 2009). */
  q: number;
  /** Bloom-filter length in bits (a multiple of 32). */
  bits: number;
  /** Hash functions per q-gram (k of the double-hashing scheme). */
  hashes: number;
  /**
   * Hashing label: fields with the same label map equal q-grams to equal bits, so
   * they can be compared with each other (given name against surname, for swaps).
   */
  label: string;
}

export interface EncodingSchema {
  id: string;
  fields: readonly FieldSpec[];
}

const name = (n: string): FieldSpec => ({
  name: n,
  normalise: normaliseName,
  q: 2,
  bits: 512,
  hashes: 20,
  label: "name",
});
const text = (n: string): FieldSpec => ({
  name: n,
  normalise: normaliseName,
  q: 2,
  bits: 512,
  hashes: 20,
  label: n,
});

/**
 * Schema "kruispunt-person/v1": a person's names, date of birth and address, one
 * field-level Bloom filter each (512 bits, 20 hash functions per bigram). Given
 * name and surname share the label "name" so a swapped pair is recognised.
 */
export const PERSON_SCHEMA_V1: EncodingSchema = {
  id: "kruispunt-person/v1",
  fields: [
    name("given_name"),
    name("surname"),
    {
      name: "date_of_birth",
      normalise: normaliseDate,
      q: 2,
      bits: 512,
      hashes: 20,
      label: "date_of_birth",
    },
    text("street_number"),
    text("address_1"),
    text("address_2"),
    text("suburb"),
    {
      name: "postcode",
      normalise: normalisePostcode,
      q: 2,
      bits: 512,
      hashes: 20,
      label: "postcode",
    },
  ],
};

const schemas = new Map([[PERSON_SCHEMA_V1.id, PERSON_SCHEMA_V1]]);

/** The schema with this id; throws PprlError KRP_ERR_PPRL_UNKNOWN_SCHEMA if there is none. */
export function getSchema(id: string): EncodingSchema {
  const schema = schemas.get(id);
  if (!schema)
    throw new PprlError(
      "KRP_ERR_PPRL_UNKNOWN_SCHEMA",
      `unknown encoding schema ${JSON.stringify(id)}`,
    );
  return schema;
}
