/**
 * Check digits of the Belgian INSZ / NISS (national register and BIS numbers).
 */

const NINE_DIGITS = /^\d{9}$/;

/**
 * Computes the two check digits of an INSZ/NISS number.
 *
 * Follows the rule of the Rijksregister / Registre national (Wet van 8 augustus 1983,
 * KB 3 april 1984) as extended for births from 2000: the check number is
 * 97 − (N mod 97), where N is the first nine digits read as an integer, with the digit
 * `2` prefixed to them (N + 2 000 000 000) for people born in 2000 or later. A remainder
 * of 0 gives 97, so the result is always `"01"`–`"97"`, never `"00"`.
 *
 * @param first9 the birth date (YYMMDD) and serial (SSS): exactly nine ASCII digits.
 * @param bornFrom2000 whether to apply the 2000+ `2` prefix.
 * @returns two ASCII digits, zero-padded.
 * @throws RangeError if `first9` is not nine ASCII digits (the value is not quoted:
 *   it is part of a personal identifier).
 */
export function inszCheckDigits(first9: string, bornFrom2000: boolean): string {
  if (!NINE_DIGITS.test(first9)) {
    throw new RangeError("inszCheckDigits expects exactly nine ASCII digits");
  }
  return String(inszCheckNumber(Number(first9), bornFrom2000)).padStart(2, "0");
}

/**
 * The check number (1–97) of {@link inszCheckDigits}, for the first nine digits already
 * read as an integer (0 ≤ first9 < 10^9): what `validate` compares with the last two
 * digits, without going through strings.
 */
export function inszCheckNumber(first9: number, bornFrom2000: boolean): number {
  // Nine digits (< 1e9) plus 2e9 stay far below 2^53, so Number arithmetic is exact.
  const n = first9 + (bornFrom2000 ? 2_000_000_000 : 0);
  return 97 - (n % 97);
}
