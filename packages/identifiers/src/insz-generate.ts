/**
 * Synthetic INSZ/NISS numbers for test data and large-scale generators.
 */
import { inszCheckDigits } from "./insz-check";

/** Draws an integer in [min, max] from `rng`, clamping an rng that returns 1. */
function pick(rng: () => number, min: number, max: number): number {
  const span = max - min + 1;
  return min + Math.min(span - 1, Math.floor(rng() * span));
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** Real calendar length of a month (1–12), leap years included. */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Generates a valid regular (non-BIS) INSZ/NISS number, in canonical 11-digit form.
 *
 * Birth year is uniform over 1920–2019, so both check-digit rules (before and from
 * 2000, see {@link inszCheckDigits}) occur; the date is a real calendar date; the
 * serial is 001–997. Numbers are not guaranteed unique: callers needing uniqueness
 * must de-duplicate. Synthetic numbers may coincide with real people's numbers, which
 * is why they are only for test data that is never joined with real data.
 *
 * @param rng a source of floats in [0, 1), like `Math.random`; pass a seeded PRNG for
 *   reproducible data. It is called four times per number.
 * @returns 11 ASCII digits: YYMMDD SSS CC.
 */
export function generateInsz(rng: () => number): string {
  const year = pick(rng, 1920, 2019);
  const month = pick(rng, 1, 12);
  const day = pick(rng, 1, daysIn(year, month));
  const serial = pick(rng, 1, 997);
  const first9 = `${two(year % 100)}${two(month)}${two(day)}${String(serial).padStart(3, "0")}`;
  return first9 + inszCheckDigits(first9, year >= 2000);
}
