/**
 * Normalisation of quasi-identifiers before they are encoded, so that spelling
 * variants that carry no information about the person encode alike:
 * - names and address words: Unicode NFKD, diacritics dropped ("Müller" → "muller"),
 *   lower case, every run of non-letters/digits → one space, trimmed;
 * - dates of birth: the 8 digits YYYYMMDD from "YYYYMMDD", "YYYY-MM-DD" or
 *   "DD/MM/YYYY"; anything else (empty, 7 digits, letters) → "" (missing);
 * - postcodes: letters and digits only, upper case ("ab1 2cd" → "AB12CD").
 * Empty results mean "missing": they encode to no Bloom filter and weigh nothing.
 */

/** A name or address word list, normalised as above. */
export function normaliseName(value: string): string {
  return value
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/**
 * A date of birth as 8 digits YYYYMMDD, or "" when it cannot be read. Month and day
 * are not checked against a calendar: a corrupted but 8-digit date still agrees in
 * most of its digits with the true one, which the q-gram comparison uses.
 */
export function normaliseDate(value: string): string {
  const v = value.trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v);
  if (m) return `${m[1]}${m[2]}${m[3]}`;
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v);
  if (m) return `${m[3]}${(m[2] ?? "").padStart(2, "0")}${(m[1] ?? "").padStart(2, "0")}`;
  return "";
}

/** A postcode: letters and digits only, upper case. */
export function normalisePostcode(value: string): string {
  return value.replace(/[^\p{L}\p{N}]+/gu, "").toUpperCase();
}

/** The year of a normalised date when it is plausible (1800–2199), else "". */
export function yearOf(date: string): string {
  return /^(18|19|20|21)\d{2}/.test(date) ? date.slice(0, 4) : "";
}
