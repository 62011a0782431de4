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

/**
 * Whether the UTF-16 code unit `code` is whitespace to JavaScript's `\s` (ECMAScript
 * WhiteSpace and LineTerminator: tab, LF, VT, FF, CR, space, U+00A0, U+1680,
 * U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF).
 *
 * For schemes that normalise with a `\s` regexp but validate in one pass over char
 * codes: both must strip exactly the same characters, or `validate(x)` and
 * `validate(normalise(x))` would differ (a test compares this with `/\s/` on every
 * code unit).
 */
export function isWhitespaceCode(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
