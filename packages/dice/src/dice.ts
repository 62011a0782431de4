/**
 * The Dice coefficient of two bit arrays (Dice 1945; the similarity of Bloom-filter
 * encodings in Schnell, Bachteler and Reiher 2009): Dice(a, b) = 2·|a ∧ b| / (|a| + |b|),
 * where |x| is the number of set bits. It lies in [0, 1]; we define Dice of two empty
 * arrays as 0 (as anonlink does): nothing is known, so nothing is similar.
 *
 * Bit arrays are `Uint32Array`s of equal length (bit i is bit i mod 32 of word ⌊i/32⌋);
 * the batch form scores one query against n candidates laid out contiguously, with the
 * candidates' popcounts computed once.
 */
import { DiceError, DiceErrorCode } from "./errors";
import { popcount32 } from "./popcount";

/**
 * Dice coefficient of `a` and `b` in [0, 1] (plain JavaScript).
 * @throws DiceError KRP_ERR_DICE_LENGTH_MISMATCH when their lengths differ.
 */
export function dice(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) {
    throw new DiceError(
      DiceErrorCode.KRP_ERR_DICE_LENGTH_MISMATCH,
      `dice: bit arrays of ${a.length * 32} and ${b.length * 32} bits cannot be compared`,
    );
  }
  let inter = 0;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    inter += popcount32(x & y);
    total += popcount32(x) + popcount32(y);
  }
  return total === 0 ? 0 : (2 * inter) / total;
}

/**
 * One query against `n` candidates in plain JavaScript. `candidates` holds the candidates
 * one after the other, `query.length` words each; `candidatePopcounts[i]` is the popcount of
 * candidate i (see `popcounts`); `queryPopcount` that of the query. Writes Dice(query,
 * candidate i) to `out[i]` for i < n, n = candidatePopcounts.length.
 * @throws DiceError KRP_ERR_DICE_LENGTH_MISMATCH / KRP_ERR_DICE_BAD_INPUT on wrong sizes.
 */
export function diceBatchJs(
  query: Uint32Array,
  queryPopcount: number,
  candidates: Uint32Array,
  candidatePopcounts: Uint32Array,
  out: Float64Array,
): void {
  const words = query.length;
  const n = candidatePopcounts.length;
  checkBatchShape(words, candidates.length, n, out.length);
  for (let r = 0, base = 0; r < n; r++, base += words) {
    let inter = 0;
    for (let i = 0; i < words; i++) {
      inter += popcount32((query[i] as number) & (candidates[base + i] as number));
    }
    const den = queryPopcount + (candidatePopcounts[r] as number);
    out[r] = den === 0 ? 0 : (2 * inter) / den;
  }
}

/**
 * Throws unless `query` has `words` words and [`start`, `start + count`) lies within a
 * batch of `size` candidates: the argument checks of every backend's `score`.
 */
export function checkScoreRange(
  query: Uint32Array,
  words: number,
  start: number,
  count: number,
  size: number,
): void {
  if (query.length !== words) {
    throw new DiceError(
      DiceErrorCode.KRP_ERR_DICE_LENGTH_MISMATCH,
      `dice batch: query of ${query.length * 32} bits against candidates of ${words * 32}`,
    );
  }
  if (!Number.isInteger(start) || start < 0 || count < 0 || start + count > size) {
    throw new DiceError(
      DiceErrorCode.KRP_ERR_DICE_BAD_INPUT,
      `dice batch: range [${start}, ${start + count}) outside ${size} candidates`,
    );
  }
}

/** Throws unless `candidateWords` = n × `words` and `outLength` ≥ n. */
export function checkBatchShape(
  words: number,
  candidateWords: number,
  n: number,
  outLength: number,
): void {
  if (words === 0) {
    throw new DiceError(DiceErrorCode.KRP_ERR_DICE_BAD_INPUT, "dice batch: empty query");
  }
  if (candidateWords !== n * words) {
    throw new DiceError(
      DiceErrorCode.KRP_ERR_DICE_LENGTH_MISMATCH,
      `dice batch: ${candidateWords} candidate words are not ${n} candidates of ${words} words`,
    );
  }
  if (outLength < n) {
    throw new DiceError(
      DiceErrorCode.KRP_ERR_DICE_BAD_INPUT,
      `dice batch: output has room for ${outLength} scores, ${n} needed`,
    );
  }
}
