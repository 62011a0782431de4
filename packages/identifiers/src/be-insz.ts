/**
 * The `be-insz` scheme: Belgian INSZ / NISS, i.e. national register numbers and BIS
 * numbers (11 digits: YYMMDD SSS CC).
 */
import { IdentifierRefusalCode } from "./errors";
import { refuseUnsafeRaw, tooLongToNormalise } from "./guards";
import { isPossibleInszBirthDate } from "./insz-birth-date";
import { inszCheckDigits } from "./insz-check";
import { accept, type IdentifierScheme, refuse, type Validation } from "./scheme";

/** Separators found in written INSZ numbers (`85.07.30-033.28`), plus any whitespace. */
const SEPARATORS = /[\s.-]/g;
const DIGITS = /^\d+$/;

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
 * {@link inszCheckDigits}, trying the pre-2000 rule first and then the 2000+ rule;
 * then the encoded birth date per {@link isPossibleInszBirthDate} (BIS months allowed).
 */
function validate(raw: string): Validation {
  const unsafe = refuseUnsafeRaw(raw);
  if (unsafe) return unsafe;
  const canonical = normalise(raw);
  if (canonical === "") return refuse(IdentifierRefusalCode.KRP_ID_EMPTY);
  if (!DIGITS.test(canonical)) return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHARACTERS);
  if (canonical.length !== 11) return refuse(IdentifierRefusalCode.KRP_ID_BAD_LENGTH);

  const first9 = canonical.slice(0, 9);
  const check = canonical.slice(9);
  if (inszCheckDigits(first9, false) !== check && inszCheckDigits(first9, true) !== check) {
    return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHECK_DIGITS);
  }

  const mm = Number(canonical.slice(2, 4));
  const dd = Number(canonical.slice(4, 6));
  if (!isPossibleInszBirthDate(mm, dd)) {
    return refuse(IdentifierRefusalCode.KRP_ID_BAD_BIRTH_DATE);
  }
  return accept(canonical);
}

/** The `be-insz` scheme object (see {@link validate} and {@link normalise} above). */
export const beInsz: IdentifierScheme = Object.freeze({ name: "be-insz", normalise, validate });
