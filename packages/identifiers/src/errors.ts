/**
 * Refusal codes for identifiers that a scheme will not accept, and the error thrown
 * for an unknown scheme name.
 *
 * Codes are stable strings (they end up in audit events and upload reports), so the
 * const object maps each key to itself: `IdentifierRefusalCode.KRP_ID_EMPTY` and the
 * literal `"KRP_ID_EMPTY"` are interchangeable and grep-able across services.
 */

/** Every reason a scheme can refuse a raw identifier. Keys equal their values. */
export const IdentifierRefusalCode = {
  KRP_ID_EMPTY: "KRP_ID_EMPTY",
  KRP_ID_TOO_LONG: "KRP_ID_TOO_LONG",
  KRP_ID_NUL_BYTE: "KRP_ID_NUL_BYTE",
  KRP_ID_INVALID_UTF8: "KRP_ID_INVALID_UTF8",
  KRP_ID_BAD_CHARACTERS: "KRP_ID_BAD_CHARACTERS",
  KRP_ID_BAD_LENGTH: "KRP_ID_BAD_LENGTH",
  KRP_ID_BAD_CHECK_DIGITS: "KRP_ID_BAD_CHECK_DIGITS",
  KRP_ID_BAD_BIRTH_DATE: "KRP_ID_BAD_BIRTH_DATE",
} as const;

/** One of the {@link IdentifierRefusalCode} strings. */
export type IdentifierRefusalCode =
  (typeof IdentifierRefusalCode)[keyof typeof IdentifierRefusalCode];

/**
 * One-line English description of each refusal code. These are also the refusal
 * messages: they are fixed per code and never quote the identifier, so a refusal can
 * be logged or returned to an uploading agency without disclosing who it was about.
 */
export const refusalDescriptions: Readonly<Record<IdentifierRefusalCode, string>> = {
  KRP_ID_EMPTY: "The identifier is missing: empty, only whitespace, or a missing-value marker.",
  KRP_ID_TOO_LONG: "The identifier is longer than 256 characters.",
  KRP_ID_NUL_BYTE: "The identifier contains a NUL (U+0000) character.",
  KRP_ID_INVALID_UTF8:
    "The identifier contains U+FFFD, the mark left where the input bytes were not valid UTF-8.",
  KRP_ID_BAD_CHARACTERS: "The identifier contains characters this scheme does not allow.",
  KRP_ID_BAD_LENGTH: "The identifier does not have the number of digits this scheme requires.",
  KRP_ID_BAD_CHECK_DIGITS: "The check digits do not match the rest of the identifier.",
  KRP_ID_BAD_BIRTH_DATE: "The birth date encoded in the identifier is not a possible date.",
};

/** Error codes thrown (not refusals returned) by this package. Keys equal their values. */
export const IdentifierErrorCode = {
  KRP_ERR_UNKNOWN_SCHEME: "KRP_ERR_UNKNOWN_SCHEME",
} as const;

/** One of the {@link IdentifierErrorCode} strings. */
export type IdentifierErrorCode = (typeof IdentifierErrorCode)[keyof typeof IdentifierErrorCode];

/** Description of each {@link IdentifierErrorCode}. */
export const identifierErrorDescriptions: Readonly<Record<IdentifierErrorCode, string>> = {
  KRP_ERR_UNKNOWN_SCHEME: "No identifier scheme is registered under the requested name.",
};

/**
 * Thrown by `getScheme` for a name that is not registered. The scheme name comes from
 * configuration or an upload header, never from an identifier, so it is safe to quote.
 */
export class UnknownSchemeError extends Error {
  readonly code = IdentifierErrorCode.KRP_ERR_UNKNOWN_SCHEME;

  constructor(name: string, known: readonly string[]) {
    super(`Unknown identifier scheme ${JSON.stringify(name)}; known: ${known.join(", ")}`);
    this.name = "UnknownSchemeError";
  }
}
