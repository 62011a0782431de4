/**
 * The `generic` scheme: any opaque identifier (a data set's own record key, an e-mail
 * address, …) compared after Unicode and case normalisation.
 */
import { IdentifierRefusalCode } from "./errors";
import { MAX_RAW_LENGTH, refuseUnsafeRaw, tooLongToNormalise } from "./guards";
import { accept, type IdentifierScheme, refuse, type Validation } from "./scheme";

const WHITESPACE_RUN = /\s+/g;

/**
 * The normalised form, or `undefined` when it would exceed 256 characters.
 *
 * Steps: Unicode NFC (UAX #15), then `toLowerCase` (locale-independent full lower-case
 * mapping of the Unicode Character Database: a simple stand-in for case folding that is
 * correct for Latin, Greek and Cyrillic but, unlike full case folding, keeps `ß` as is),
 * then NFC again because lower-casing can produce a non-NFC sequence (e.g. `İ` becomes
 * `i` + U+0307), then every whitespace run becomes one space, then trim. Lower-casing and
 * NFC can lengthen a string, hence the length check on the result.
 */
function normalised(raw: string): string | undefined {
  if (tooLongToNormalise(raw)) return undefined;
  const out = raw
    .normalize("NFC")
    .toLowerCase()
    .normalize("NFC")
    .replace(WHITESPACE_RUN, " ")
    .trim();
  return out.length > MAX_RAW_LENGTH ? undefined : out;
}

/**
 * NFC, lower-case, collapse whitespace, trim (see above). Input that is, or would
 * become, longer than 256 characters is returned unchanged: validate refuses it anyway,
 * and returning it as is keeps normalise idempotent.
 */
function normalise(raw: string): string {
  return normalised(raw) ?? raw;
}

/** Accepts any non-empty normalised form of at most 256 characters. */
function validate(raw: string): Validation {
  const unsafe = refuseUnsafeRaw(raw);
  if (unsafe) return unsafe;
  const canonical = normalised(raw);
  if (canonical === undefined) return refuse(IdentifierRefusalCode.KRP_ID_TOO_LONG);
  if (canonical === "") return refuse(IdentifierRefusalCode.KRP_ID_EMPTY);
  return accept(canonical);
}

/** The `generic` scheme object. */
export const generic: IdentifierScheme = Object.freeze({ name: "generic", normalise, validate });
