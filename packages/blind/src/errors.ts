/**
 * Errors of @kruispunt/blind. Messages name the field and the record index, never an
 * identifier, a group element or a key: they end up in logs and HTTP responses.
 */

/** Every error code this package throws. Keys equal their values. */
export const BlindErrorCode = {
  /** An argument has the wrong shape (length, scheme, DST, batch sizes). */
  KRP_ERR_BLIND_BAD_INPUT: "KRP_ERR_BLIND_BAD_INPUT",
  /** A key (scalar or public element) has the wrong length or is not a valid value. */
  KRP_ERR_BLIND_BAD_KEY: "KRP_ERR_BLIND_BAD_KEY",
  /** A ciphertext or element is not the encoding of a valid ristretto255 point. */
  KRP_ERR_BLIND_INVALID_POINT: "KRP_ERR_BLIND_INVALID_POINT",
  /** An operation produced the identity element (RFC 9497 `InvalidInputError`). */
  KRP_ERR_BLIND_IDENTITY: "KRP_ERR_BLIND_IDENTITY",
  /** DeriveKeyPair found no non-zero scalar in 256 tries (RFC 9497 `DeriveKeyPairError`). */
  KRP_ERR_BLIND_DERIVE_KEY_PAIR: "KRP_ERR_BLIND_DERIVE_KEY_PAIR",
} as const;

/** One of the {@link BlindErrorCode} strings. */
export type BlindErrorCode = (typeof BlindErrorCode)[keyof typeof BlindErrorCode];

/** The only error class this package throws; `.code` is a {@link BlindErrorCode}. */
export class BlindError extends Error {
  readonly code: BlindErrorCode;

  constructor(code: BlindErrorCode, message: string) {
    super(message);
    this.name = "BlindError";
    this.code = code;
  }
}
