/**
 * One interface over both batch backends, so callers (the linker's probabilistic linkage,
 * the benchmark) choose by name: "wasm" (default; `i64.popcnt`) or "js" (SWAR popcount, the
 * baseline and the fallback). Both give bit-identical scores.
 */
import { checkScoreRange, diceBatchJs } from "./dice";
import { DiceError, DiceErrorCode } from "./errors";
import { popcount, popcounts } from "./popcount";
import { WasmDiceBatch } from "./wasm";

/** Which implementation scores a batch. */
export type DiceBackend = "wasm" | "js";

/** A fixed set of candidate encodings, scored against one query at a time. */
export interface DiceBatch {
  /** Number of candidates. */
  readonly size: number;
  /** Popcount of each candidate. */
  readonly popcounts: Uint32Array;
  /** Dice(query, candidate start+i) into out[i] for i < count; see WasmDiceBatch.score. */
  score(
    query: Uint32Array,
    out: Float64Array,
    start?: number,
    count?: number,
    queryPopcount?: number,
  ): void;
}

/** The plain-JavaScript backend; keeps a reference to `candidates` (no copy). */
class JsDiceBatch implements DiceBatch {
  readonly popcounts: Uint32Array;
  constructor(
    readonly candidates: Uint32Array,
    readonly words: number,
  ) {
    this.popcounts = popcounts(candidates, words);
  }
  get size(): number {
    return this.popcounts.length;
  }
  score(
    query: Uint32Array,
    out: Float64Array,
    start = 0,
    count = this.size - start,
    queryPopcount = popcount(query),
  ): void {
    checkScoreRange(query, this.words, start, count, this.size);
    diceBatchJs(
      query,
      queryPopcount,
      this.candidates.subarray(start * this.words, (start + count) * this.words),
      this.popcounts.subarray(start, start + count),
      out,
    );
  }
}

/**
 * Prepares `candidates` (n records of `wordsPerRecord` 32-bit words, contiguous) for
 * batch scoring with `backend` (default "wasm").
 * @throws DiceError KRP_ERR_DICE_LENGTH_MISMATCH when the length is not whole records.
 */
export function createDiceBatch(
  candidates: Uint32Array,
  wordsPerRecord: number,
  backend: DiceBackend = "wasm",
): DiceBatch {
  if (backend === "wasm") return WasmDiceBatch.create(candidates, wordsPerRecord);
  if (!Number.isInteger(wordsPerRecord) || wordsPerRecord <= 0) {
    throw new DiceError(DiceErrorCode.KRP_ERR_DICE_BAD_INPUT, "dice batch: empty records");
  }
  if (candidates.length % wordsPerRecord !== 0) {
    throw new DiceError(
      DiceErrorCode.KRP_ERR_DICE_LENGTH_MISMATCH,
      `dice batch: ${candidates.length} words are not whole records of ${wordsPerRecord} words`,
    );
  }
  return new JsDiceBatch(candidates, wordsPerRecord);
}
