/**
 * One synthetic Belgian person as an agency would hold them: a valid INSZ whose
 * birth date and serial parity agree with the date of birth and sex, a name that
 * fits the sex, an address with a real postcode, and content variables that depend
 * plausibly on age (employment status, income, sick-leave days).
 */
import { inszCheckDigits } from "@kruispunt/identifiers";
import {
  FEMALE_NAMES,
  MALE_NAMES,
  POSTCODES,
  regionOf,
  STREETS,
  SURNAMES_LONG_TAIL,
} from "./belgium";
import { int, longTailed, oneOf, type Rng, skewed } from "./rng";

/** The columns of a synthetic record, in file order. */
export const COLUMNS = [
  "record_id",
  "insz",
  "given_name",
  "surname",
  "sex",
  "date_of_birth",
  "street",
  "house_number",
  "postcode",
  "municipality",
  "region",
  "employment_status",
  "monthly_income_eur",
  "sick_leave_days",
] as const;

export type Column = (typeof COLUMNS)[number];
export type SyntheticRecord = Record<Column, string>;

export const EMPLOYMENT_STATUSES = [
  "employed",
  "self_employed",
  "unemployed",
  "incapacitated",
  "retired",
  "student",
] as const;

/** Ages are taken on this day, so the data does not change with the clock. */
const REFERENCE_YEAR = 2026;

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * INSZ/NISS for a birth date and sex: YYMMDD, a serial that is odd for men and even
 * for women (Rijksregister rule), and the check digits of `inszCheckDigits` (2000+
 * rule from 2000 on).
 */
export function inszFor(year: number, month: number, day: number, serial: number): string {
  const first9 = `${two(year % 100)}${two(month)}${two(day)}${String(serial).padStart(3, "0")}`;
  return first9 + inszCheckDigits(first9, year >= 2000);
}

function employment(rng: Rng, age: number): (typeof EMPLOYMENT_STATUSES)[number] {
  if (age < 18) return "student";
  if (age >= 67) return "retired";
  const u = rng();
  if (age < 25) return u < 0.45 ? "student" : u < 0.85 ? "employed" : "unemployed";
  if (age >= 60 && u < 0.35) return "retired";
  return u < 0.72
    ? "employed"
    : u < 0.84
      ? "self_employed"
      : u < 0.92
        ? "unemployed"
        : "incapacitated";
}

const INCOME: Record<(typeof EMPLOYMENT_STATUSES)[number], readonly [number, number]> = {
  employed: [1900, 5500],
  self_employed: [1200, 7000],
  unemployed: [900, 1700],
  incapacitated: [1100, 1900],
  retired: [1100, 2800],
  student: [0, 800],
};

const FIRST_BIRTH_DAY = Date.UTC(REFERENCE_YEAR - 95, 0, 1);
const BIRTH_DAYS = (Date.UTC(REFERENCE_YEAR, 0, 1) - FIRST_BIRTH_DAY) / 86_400_000;
/** Serial slots per birth day: serial 2k + 1 for a man, 2k + 2 for a woman, k = 0…497. */
const SERIAL_SLOTS = 498;
/** Distinct (birth day, serial slot) pairs: the persons the generator can number apart. */
export const BIRTH_SLOTS = BIRTH_DAYS * SERIAL_SLOTS;
/** An odd multiplier prime to BIRTH_SLOTS (checked below): slot ↦ slot × STEP mod BIRTH_SLOTS permutes. */
const STEP = 7_368_787;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
if (gcd(STEP, BIRTH_SLOTS) !== 1) throw new Error("STEP must be prime to BIRTH_SLOTS");

/**
 * Birth date and serial of person number `slot` (0 ≤ slot < BIRTH_SLOTS): a permutation
 * of the (birth day, serial slot) pairs, so two persons never share an INSZ — real INSZ
 * numbers are unique, and a shared one would be an exact link between strangers — while
 * the birth days stay spread evenly over the 95 years, as drawn before. Nothing is kept
 * between persons: the uniqueness comes from the numbering.
 */
function birthOf(slot: number, male: boolean) {
  const at = (slot * STEP) % BIRTH_SLOTS;
  const date = new Date(FIRST_BIRTH_DAY + Math.floor(at / SERIAL_SLOTS) * 86_400_000);
  const k = at % SERIAL_SLOTS;
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    serial: male ? 2 * k + 1 : 2 * k + 2,
  };
}

/**
 * A new person with record id `recordId`, number `slot` among the generator's persons
 * (distinct slots give distinct INSZ numbers; see `birthOf`); draws a fixed number of
 * values from `rng`. RangeError for a slot outside 0 … BIRTH_SLOTS − 1.
 */
export function generatePerson(rng: Rng, recordId: string, slot: number): SyntheticRecord {
  if (!Number.isSafeInteger(slot) || slot < 0 || slot >= BIRTH_SLOTS)
    throw new RangeError(`slot: a whole number below ${BIRTH_SLOTS}`);
  // The draws of the earlier random birth date and serial are kept (and unused) so that
  // names, addresses and the rest stay as they were for a given seed.
  const drawnYear = int(rng, REFERENCE_YEAR - 95, REFERENCE_YEAR - 1);
  int(rng, 1, daysIn(drawnYear, int(rng, 1, 12)));
  const male = rng() < 0.49;
  int(rng, male ? 0 : 1, 498);
  const { year, month, day, serial } = birthOf(slot, male);
  const [postcode, municipality] = skewed(rng, POSTCODES);
  const status = employment(rng, REFERENCE_YEAR - year);
  const [low, high] = INCOME[status];
  const sick = rng() < 0.6 ? 0 : Math.floor(-Math.log(1 - rng()) * 8);
  return {
    record_id: recordId,
    insz: inszFor(year, month, day, serial),
    // Given names uniform over 50 per sex (about 1 % each, as the commonest are across
    // all ages); surnames from a long tail (belgium.ts SURNAMES_LONG_TAIL).
    given_name: oneOf(rng, male ? MALE_NAMES : FEMALE_NAMES),
    surname: longTailed(rng, SURNAMES_LONG_TAIL),
    sex: male ? "M" : "F",
    date_of_birth: `${year}-${two(month)}-${two(day)}`,
    street: oneOf(rng, STREETS),
    house_number: String(skewed(rng, HOUSE_NUMBERS)),
    postcode,
    municipality,
    region: regionOf(postcode),
    employment_status: status,
    monthly_income_eur: String(10 * int(rng, low / 10, high / 10)),
    sick_leave_days: String(Math.min(sick, 365)),
  };
}

const HOUSE_NUMBERS = Array.from({ length: 250 }, (_, i) => i + 1);
