/**
 * Errors of PPRL encodings. `KRP_ERR_PPRL_SCHEMA_MISMATCH` is what the linker
 * answers when two encodings were made under different schemas or key versions:
 * their bits mean different things, so a Dice coefficient between them would be noise.
 */
export const PprlErrorCode = {
  KRP_ERR_PPRL_SCHEMA_MISMATCH: "KRP_ERR_PPRL_SCHEMA_MISMATCH",
  KRP_ERR_PPRL_UNKNOWN_SCHEMA: "KRP_ERR_PPRL_UNKNOWN_SCHEMA",
  KRP_ERR_PPRL_BAD_ENCODING: "KRP_ERR_PPRL_BAD_ENCODING",
} as const;
export type PprlErrorCode = keyof typeof PprlErrorCode;

/** What each code means (documentation and the errors test). */
export const pprlErrorDescriptions: Record<PprlErrorCode, string> = {
  KRP_ERR_PPRL_SCHEMA_MISMATCH:
    "two encodings were made under different schema ids or key versions and cannot be compared",
  KRP_ERR_PPRL_UNKNOWN_SCHEMA: "the encoding names a schema this build does not know",
  KRP_ERR_PPRL_BAD_ENCODING: "an encoding's fields do not have the schema's lengths",
};

export class PprlError extends Error {
  constructor(
    readonly code: PprlErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "PprlError";
  }
}
