/**
 * Error codes and error classes of @kruispunt/crypto.
 *
 * Messages never contain key material, plaintext identifiers or pseudonyms: they end up
 * in logs and HTTP responses. Codes are stable strings; keys equal their values.
 */

/** Every error code this package throws. Keys equal their values. */
export const CryptoErrorCode = {
  KRP_ERR_CRYPTO_NOT_READY: "KRP_ERR_CRYPTO_NOT_READY",
  KRP_ERR_BAD_KEY: "KRP_ERR_BAD_KEY",
  KRP_ERR_BAD_INPUT: "KRP_ERR_BAD_INPUT",
  KRP_ERR_SEAL_OPEN: "KRP_ERR_SEAL_OPEN",
  KRP_ERR_KEYRING_PERMISSIONS: "KRP_ERR_KEYRING_PERMISSIONS",
  KRP_ERR_KEYRING_FORMAT: "KRP_ERR_KEYRING_FORMAT",
  KRP_ERR_KEYRING_MISSING_KEY: "KRP_ERR_KEYRING_MISSING_KEY",
  KRP_ERR_KEYRING_EXISTS: "KRP_ERR_KEYRING_EXISTS",
  KRP_ERR_KEYRING_IO: "KRP_ERR_KEYRING_IO",
} as const;

/** One of the {@link CryptoErrorCode} strings. */
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

/** One-line description of each {@link CryptoErrorCode}. */
export const cryptoErrorDescriptions: Readonly<Record<CryptoErrorCode, string>> = {
  KRP_ERR_CRYPTO_NOT_READY: "libsodium was used before `await cryptoReady()` completed.",
  KRP_ERR_BAD_KEY: "A key has the wrong length or encoding for its purpose.",
  KRP_ERR_BAD_INPUT: "An argument (scheme name, project id, pseudonym) has the wrong shape.",
  KRP_ERR_SEAL_OPEN:
    "A sealed identifier could not be opened: wrong key, tampered or not a sealed box.",
  KRP_ERR_KEYRING_PERMISSIONS: "A keyring file is readable or writable by group or others.",
  KRP_ERR_KEYRING_FORMAT: "A keyring is not valid JSON or does not have the keyring shape.",
  KRP_ERR_KEYRING_MISSING_KEY: "The keyring holds no key for the requested purpose.",
  KRP_ERR_KEYRING_EXISTS: "Refused to overwrite an existing keyring file.",
  KRP_ERR_KEYRING_IO: "A keyring file could not be read or written.",
};

/** Base class of every error thrown by this package; `.code` is a {@link CryptoErrorCode}. */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.name = "CryptoError";
    this.code = code;
  }
}

/** Thrown by `openSealedIdentifier`; code `KRP_ERR_SEAL_OPEN`, never the plaintext. */
export class SealOpenError extends CryptoError {
  constructor(message: string) {
    super(CryptoErrorCode.KRP_ERR_SEAL_OPEN, message);
    this.name = "SealOpenError";
  }
}

/** Thrown by keyring functions; `.code` is one of the `KRP_ERR_KEYRING_*` or BAD_KEY codes. */
export class KeyringError extends CryptoError {
  constructor(code: CryptoErrorCode, message: string) {
    super(code, message);
    this.name = "KeyringError";
  }
}
