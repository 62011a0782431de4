/**
 * Generalisation hierarchies for the quasi-identifiers Kruispunt releases.
 * Unparseable or empty input becomes null below the top level, so missing data
 * forms its own equivalence class rather than being guessed into one.
 */
import type { Cell, Hierarchy } from "./types";

const YYYYMMDD = /^(\d{4})(\d{2})(\d{2})$/;
const YYYY = /^\d{4}$/;
const POSTCODE = /^\d{4}$/;

/** Top level of every hierarchy: everything, null included, becomes "*". */
const everything = { label: "*", generalise: (): Cell => "*" };

/**
 * Year of a valid proleptic-Gregorian "YYYYMMDD" date, or of a bare year "YYYY" (an
 * agency that keeps the date of birth as a sealed quasi-identifier sends the year
 * only), surrounding whitespace ignored; else null.
 */
function birthYear(v: Cell): number | null {
  if (v === null) return null;
  const s = v.trim();
  if (YYYY.test(s)) return Number(s) >= 1 ? Number(s) : null;
  const m = YYYYMMDD.exec(s);
  if (m === null) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  return day <= daysInMonth(year, month) ? year : null;
}

/** Days in `month` (1–12) of `year`, Gregorian leap rule (a 19000229 birth date is invalid). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Four-digit year, zero-padded (years before 1000 stay sortable as text). */
const yyyy = (year: number): string => String(year).padStart(4, "0");

/** Band of `width` years containing `year`, aligned on multiples of width: "1950-1954". */
function band(year: number, width: number): string {
  const low = year - (year % width);
  return `${yyyy(low)}-${yyyy(low + width - 1)}`;
}

/** The 4-digit postcode in `v` (surrounding whitespace ignored), else null. */
function postcode(v: Cell): string | null {
  if (v === null) return null;
  const s = v.trim();
  return POSTCODE.test(s) ? s : null;
}

/**
 * yearOfBirth: input "YYYYMMDD" or "YYYY" (an invalid or empty date → null). Levels:
 * "year" ("1953"), "5-year band" ("1950-1954"), "10-year band" ("1950-1959"),
 * "*". The full date is never released: level 0 is already the year.
 *
 * postcodeRegion: 4-digit Australian postcode (anything else → null). Levels:
 * "region" (first two digits + "xx": "4215" → "42xx"), "state region" (first
 * digit + "xxx": "4xxx"; the first digit of an Australian postcode identifies
 * the state or territory group), "*".
 *
 * categorical(name): free categories (sex, country of birth, …). Levels:
 * "value" (trimmed, lower-cased; empty → null), "*".
 */
export const hierarchies: {
  yearOfBirth: Hierarchy;
  postcodeRegion: Hierarchy;
  categorical: (name: string) => Hierarchy;
} = {
  yearOfBirth: {
    name: "yearOfBirth",
    levels: [
      { label: "year", generalise: (v) => mapYear(v, yyyy) },
      { label: "5-year band", generalise: (v) => mapYear(v, (y) => band(y, 5)) },
      { label: "10-year band", generalise: (v) => mapYear(v, (y) => band(y, 10)) },
      everything,
    ],
  },
  postcodeRegion: {
    name: "postcodeRegion",
    levels: [
      { label: "region", generalise: (v) => mapPostcode(v, (p) => `${p.slice(0, 2)}xx`) },
      { label: "state region", generalise: (v) => mapPostcode(v, (p) => `${p.slice(0, 1)}xxx`) },
      everything,
    ],
  },
  categorical: (name) => ({
    name,
    levels: [
      {
        label: "value",
        generalise: (v) => {
          const s = v?.trim().toLowerCase() ?? "";
          return s === "" ? null : s;
        },
      },
      everything,
    ],
  }),
};

function mapYear(v: Cell, f: (year: number) => string): Cell {
  const year = birthYear(v);
  return year === null ? null : f(year);
}

function mapPostcode(v: Cell, f: (postcode: string) => string): Cell {
  const p = postcode(v);
  return p === null ? null : f(p);
}
