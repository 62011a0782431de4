/**
 * The birth-date part (YYMMDD) of an INSZ/NISS number.
 */

/** Days per month, with February at 29: see {@link isPossibleInszBirthDate}. */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * Whether the month and day digits of an INSZ/NISS number can encode a birth date.
 *
 * - Month 01–12 is a national register number; BIS numbers (Kruispuntbank van de
 *   Sociale Zekerheid) add 20 (sex unknown at registration) or 40 (sex known), giving
 *   21–32 and 41–52. Month 00, 20 or 40 means the month is unknown.
 * - Day 00 means the day is unknown and is allowed with any month.
 * - Otherwise the day must exist in that month. February always allows 29: whether the
 *   year was a leap year depends on the century, which only the check digits reveal,
 *   and a slightly lenient check costs nothing here (the check digits still apply).
 *
 * @param mm the two month digits as a number (0–99).
 * @param dd the two day digits as a number (0–99).
 */
export function isPossibleInszBirthDate(mm: number, dd: number): boolean {
  const month = mm >= 40 ? mm - 40 : mm >= 20 ? mm - 20 : mm;
  if (month > 12 || dd > 31) return false;
  if (month === 0 || dd === 0) return true;
  const max = DAYS_IN_MONTH[month - 1];
  return max !== undefined && dd <= max;
}
