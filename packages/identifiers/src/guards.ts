/**
 * Checks shared by every scheme, run before any scheme-specific work.
 */
import { IdentifierRefusalCode } from "./errors";
import { refuse, type Validation } from "./scheme";

/** Longest raw identifier accepted, in UTF-16 code units (JavaScript string length). */
export const MAX_RAW_LENGTH = 256;

/**
 * Refuses raw input that no scheme can accept, or returns `undefined` to continue.
 *
 * Order matters: the length test comes first and costs O(1), so a 10 kB line from a
 * broken CSV is refused before it is scanned, trimmed or Unicode-normalised.
 * Returns KRP_ID_TOO_LONG (> {@link MAX_RAW_LENGTH} UTF-16 code units),
 * KRP_ID_NUL_BYTE (U+0000 anywhere) or KRP_ID_INVALID_UTF8 (U+FFFD anywhere: what a
 * lenient UTF-8 decoder leaves in place of bytes that were not UTF-8).
 */
export function refuseUnsafeRaw(raw: string): Validation | undefined {
  if (raw.length > MAX_RAW_LENGTH) return refuse(IdentifierRefusalCode.KRP_ID_TOO_LONG);
  if (raw.includes("\u0000")) return refuse(IdentifierRefusalCode.KRP_ID_NUL_BYTE);
  if (raw.includes("\uFFFD")) return refuse(IdentifierRefusalCode.KRP_ID_INVALID_UTF8);
  return undefined;
}

/**
 * Whether `normalise` should leave the input alone because `validate` refuses it on
 * length anyway. Returning it unchanged keeps normalise idempotent and
 * `validate(x) = validate(normalise(x))` for over-long input, and skips the work.
 */
export function tooLongToNormalise(raw: string): boolean {
  return raw.length > MAX_RAW_LENGTH;
}
