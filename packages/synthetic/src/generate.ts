/**
 * The stream of synthetic records for one or two agencies, deterministic from a seed.
 * With two agencies, agency B's record number i is, with probability `overlap`, a
 * copy of A's person i (same INSZ, the quasi-identifiers given_name, surname and street
 * each mistyped with probability `typoRate`, under B's own record id), and otherwise
 * a different person. Nothing is kept between records: memory stays constant however
 * many are drawn.
 */
import { BIRTH_SLOTS, generatePerson, type SyntheticRecord } from "./person";
import { int, type Rng, seededRng } from "./rng";
import { typo } from "./typos";

export interface GenerateOptions {
  /** Records per agency. */
  count: number;
  seed: number;
  /** 1 (default) or 2 agencies. */
  agencies?: 1 | 2;
  /** Fraction of B's records that are about one of A's persons (0–1, default 0.5). */
  overlap?: number;
  /** Probability that each quasi-identifier of such a copy has a typo (0–1, default 0.2). */
  typoRate?: number;
  /**
   * Probability that such a copy's INSZ was mistyped (one digit replaced; 0–1, default 0):
   * the check digits then almost always fail, so only probabilistic linkage on the
   * quasi-identifiers can find the pair, as for FEBRL 4's mistyped soc_sec_id.
   */
  identifierErrorRate?: number;
}

export interface SyntheticRow {
  agency: "a" | "b";
  record: SyntheticRecord;
  /** For B's copies of an A person: A's record id (the ground truth for linkage). */
  duplicateOf?: string;
}

/** A's record ids: `a-0000001`, in order. */
function aId(i: number): string {
  return `a-${String(i + 1).padStart(7, "0")}`;
}

/**
 * B's record ids: eight hex digits of a bijection of i (multiplication by an odd
 * constant modulo 2^32), so B's order says nothing about which A record it copies.
 */
function bId(i: number): string {
  return `b-${(Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, "0")}`;
}

const MISTYPED = ["given_name", "surname", "street"] as const;

/** `digits` with one digit replaced by another (never by itself). */
function mistypeDigit(rng: Rng, digits: string): string {
  const i = int(rng, 0, digits.length - 1);
  const other = (Number(digits[i]) + int(rng, 1, 9)) % 10;
  return digits.slice(0, i) + String(other) + digits.slice(i + 1);
}

/** Yields A's record i, then (with two agencies) B's record i, for i = 0 … count−1. */
export function* generateRows(options: GenerateOptions): Generator<SyntheticRow> {
  const {
    count,
    seed,
    agencies = 1,
    overlap = 0.5,
    typoRate = 0.2,
    identifierErrorRate = 0,
  } = options;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError("count: a whole number ≥ 0");
  if (!(overlap >= 0 && overlap <= 1)) throw new RangeError("overlap: between 0 and 1");
  if (!(typoRate >= 0 && typoRate <= 1)) throw new RangeError("typoRate: between 0 and 1");
  if (!(identifierErrorRate >= 0 && identifierErrorRate <= 1))
    throw new RangeError("identifierErrorRate: between 0 and 1");
  // Separate streams so that A's records are the same whatever B's options are.
  const rngA: Rng = seededRng(seed);
  const rngB: Rng = seededRng(seed ^ 0x5bd1e995);
  // Person slots (person.ts birthOf): A's person i takes an even slot and B's own person i
  // the odd one after it, from a start that depends on the seed, so no two persons of a
  // run share an INSZ while count ≤ BIRTH_SLOTS / 2 (8.6 million per agency).
  const half = BIRTH_SLOTS / 2;
  const start = Math.imul(seed, 0x9e3779b1) >>> 0;
  const slot = (i: number) => 2 * ((start + i) % half);
  for (let i = 0; i < count; i++) {
    const a = generatePerson(rngA, aId(i), slot(i));
    yield { agency: "a", record: a };
    if (agencies === 1) continue;
    if (rngB() < overlap) {
      const copy = { ...a, record_id: bId(i) };
      for (const field of MISTYPED) {
        if (rngB() < typoRate) copy[field] = typo(rngB, copy[field]);
      }
      // Drawn only when asked for, so the stream is unchanged for callers without it.
      if (identifierErrorRate > 0 && rngB() < identifierErrorRate)
        copy.insz = mistypeDigit(rngB, copy.insz);
      yield { agency: "b", record: copy, duplicateOf: a.record_id };
    } else {
      yield { agency: "b", record: generatePerson(rngB, bId(i), slot(i) + 1) };
    }
  }
}
