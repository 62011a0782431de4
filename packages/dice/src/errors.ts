/**
 * Errors of @kruispunt/dice. Messages give lengths and indexes only, never bits of an
 * encoding: a Bloom-filter encoding is a pseudonymised quasi-identifier.
 */

/** Every error code this package throws. Keys equal their values. */
export const DiceErrorCode = {
  /** Two encodings, or a query and the candidates, differ in length. */
  KRP_ERR_DICE_LENGTH_MISMATCH: "KRP_ERR_DICE_LENGTH_MISMATCH",
  /** An argument has the wrong shape (buffer sizes, counts, output length). */
  KRP_ERR_DICE_BAD_INPUT: "KRP_ERR_DICE_BAD_INPUT",
} as const;

/** One of the {@link DiceErrorCode} strings. */
export type DiceErrorCode = (typeof DiceErrorCode)[keyof typeof DiceErrorCode];

/** The only error class this package throws; `.code` is a {@link DiceErrorCode}. */
export class DiceError extends Error {
  readonly code: DiceErrorCode;

  constructor(code: DiceErrorCode, message: string) {
    super(message);
    this.name = "DiceError";
    this.code = code;
  }
}
