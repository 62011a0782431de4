/**
 * The `be-insz` scheme: Belgian INSZ / NISS, i.e. national register numbers and BIS
 * numbers (11 digits: YYMMDD SSS CC).
 */
import { IdentifierRefusalCode } from "./errors";
import { isWhitespaceCode, refuseUnsafeRaw, tooLongToNormalise } from "./guards";
import { isPossibleInszBirthDate } from "./insz-birth-date";
import { inszCheckNumber } from "./insz-check";
import { accept, type IdentifierScheme, refuse, type Validation } from "./scheme";

/** Separators found in written INSZ numbers (`85.07.30-033.28`), plus any whitespace. */
const SEPARATORS = /[\s.-]/g;
const DOT = 0x2e;
const HYPHEN = 0x2d;
const DIGIT_ZERO = 0x30;

/** The char-code form of {@link SEPARATORS}, for the single pass of `validate`. */
function isSeparatorCode(code: number): boolean {
  return code === DOT || code === HYPHEN || isWhitespaceCode(code);
}

/**
 * Normalises a written INSZ/NISS: trims and removes dots, hyphens and all whitespace.
 * Does not judge validity. Input over 256 characters is returned unchanged (validate
 * refuses it on length without looking further).
 */
function normalise(raw: string): string {
  if (tooLongToNormalise(raw)) return raw;
  return raw.replace(SEPARATORS, "");
}

/**
 * Validates an INSZ/NISS: 11 ASCII digits after normalising; check digits per
 * `inszCheckDigits` (as numbers: {@link inszCheckNumber}), trying the pre-2000 rule
 * first and then the 2000+ rule; then the encoded birth date per
 * {@link isPossibleInszBirthDate} (BIS months allowed).
 *
 * One pass over the char codes reads the digits as numbers while skipping separators,
 * instead of normalising to a string and slicing it up: this runs once per identifier
 * in the pseudonymiser. The refusals are those of "normalise, then check": any other
 * character → BAD_CHARACTERS, no digit at all → EMPTY, not 11 digits → BAD_LENGTH.
 */
function validate(raw: string): Validation {
  const unsafe = refuseUnsafeRaw(raw);
  if (unsafe) return unsafe;

  let digits = 0;
  let first9 = 0; // YYMMDDSSS as an integer
  let check = 0; // CC as an integer
  // The canonical form is raw without separators: the runs between them, joined.
  let canonical = "";
  let runStart = 0;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    const digit = code - DIGIT_ZERO;
    if (digit >= 0 && digit <= 9) {
      // Past 11 digits the length is wrong anyway, but a later letter still outranks it.
      if (digits < 9) first9 = first9 * 10 + digit;
      else if (digits < 11) check = check * 10 + digit;
      digits++;
    } else if (isSeparatorCode(code)) {
      canonical += raw.slice(runStart, i);
      runStart = i + 1;
    } else {
      return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHARACTERS);
    }
  }
  if (digits === 0) return refuse(IdentifierRefusalCode.KRP_ID_EMPTY);
  if (digits !== 11) return refuse(IdentifierRefusalCode.KRP_ID_BAD_LENGTH);

  // Two-digit strings compare equal exactly when their numbers do.
  if (check !== inszCheckNumber(first9, false) && check !== inszCheckNumber(first9, true)) {
    return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHECK_DIGITS);
  }

  const mm = Math.trunc(first9 / 100_000) % 100;
  const dd = Math.trunc(first9 / 1_000) % 100;
  if (!isPossibleInszBirthDate(mm, dd)) {
    return refuse(IdentifierRefusalCode.KRP_ID_BAD_BIRTH_DATE);
  }
  // Plain 11 digits (no separator seen) are already canonical.
  return accept(runStart === 0 ? raw : canonical + raw.slice(runStart));
}

/** The `be-insz` scheme object (see {@link validate} and {@link normalise} above). */
export const beInsz: IdentifierScheme = Object.freeze({ name: "be-insz", normalise, validate });
