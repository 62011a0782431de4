/**
 * The `febrl-ssn` scheme: the synthetic 7-digit `soc_sec_id` of the FEBRL record
 * linkage benchmark data sets (Christen, "Febrl – Freely extensible biomedical record
 * linkage"). It has no check digit, so only the shape can be validated.
 */
import { IdentifierRefusalCode } from "./errors";
import { isWhitespaceCode, refuseUnsafeRaw, tooLongToNormalise } from "./guards";
import { accept, type IdentifierScheme, refuse, type Validation } from "./scheme";

const WHITESPACE = /\s/g;
const DIGIT_ZERO = 0x30;

/** Trims and removes all whitespace. Input over 256 characters is returned unchanged. */
function normalise(raw: string): string {
  if (tooLongToNormalise(raw)) return raw;
  return raw.replace(WHITESPACE, "");
}

/**
 * Accepts exactly seven ASCII digits after normalising.
 *
 * One pass over the char codes, skipping whitespace, with the refusals of "normalise,
 * then check": any other character → BAD_CHARACTERS, no digit → EMPTY, not 7 → BAD_LENGTH.
 */
function validate(raw: string): Validation {
  const unsafe = refuseUnsafeRaw(raw);
  if (unsafe) return unsafe;
  let digits = 0;
  // The canonical form is raw without whitespace: the runs between, joined.
  let canonical = "";
  let runStart = 0;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    const digit = code - DIGIT_ZERO;
    if (digit >= 0 && digit <= 9) {
      digits++;
    } else if (isWhitespaceCode(code)) {
      canonical += raw.slice(runStart, i);
      runStart = i + 1;
    } else {
      return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHARACTERS);
    }
  }
  if (digits === 0) return refuse(IdentifierRefusalCode.KRP_ID_EMPTY);
  if (digits !== 7) return refuse(IdentifierRefusalCode.KRP_ID_BAD_LENGTH);
  return accept(runStart === 0 ? raw : canonical + raw.slice(runStart));
}

/** The `febrl-ssn` scheme object. */
export const febrlSsn: IdentifierScheme = Object.freeze({ name: "febrl-ssn", normalise, validate });
