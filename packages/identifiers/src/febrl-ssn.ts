/**
 * The `febrl-ssn` scheme: the synthetic 7-digit `soc_sec_id` of the FEBRL record
 * linkage benchmark data sets (Christen, "Febrl – Freely extensible biomedical record
 * linkage"). It has no check digit, so only the shape can be validated.
 */
import { IdentifierRefusalCode } from "./errors";
import { refuseUnsafeRaw, tooLongToNormalise } from "./guards";
import { accept, type IdentifierScheme, refuse, type Validation } from "./scheme";

const WHITESPACE = /\s/g;
const DIGITS = /^\d+$/;

/** Trims and removes all whitespace. Input over 256 characters is returned unchanged. */
function normalise(raw: string): string {
  if (tooLongToNormalise(raw)) return raw;
  return raw.replace(WHITESPACE, "");
}

/** Accepts exactly seven ASCII digits after normalising. */
function validate(raw: string): Validation {
  const unsafe = refuseUnsafeRaw(raw);
  if (unsafe) return unsafe;
  const canonical = normalise(raw);
  if (canonical === "") return refuse(IdentifierRefusalCode.KRP_ID_EMPTY);
  if (!DIGITS.test(canonical)) return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHARACTERS);
  if (canonical.length !== 7) return refuse(IdentifierRefusalCode.KRP_ID_BAD_LENGTH);
  return accept(canonical);
}

/** The `febrl-ssn` scheme object. */
export const febrlSsn: IdentifierScheme = Object.freeze({ name: "febrl-ssn", normalise, validate });
