import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { beInsz } from "./be-insz";
import { IdentifierRefusalCode } from "./errors";
import { refuseUnsafeRaw } from "./guards";
import { isPossibleInszBirthDate } from "./insz-birth-date";
import { inszCheckDigits } from "./insz-check";
import { accept, refuse, type Validation } from "./scheme";

const two = (n: number) => String(n).padStart(2, "0");

/** A valid INSZ built from its parts: birth date, serial and century. */
const validInsz = fc
  .record({
    yy: fc.integer({ min: 0, max: 99 }),
    month: fc.integer({ min: 0, max: 12 }),
    day: fc.integer({ min: 0, max: 31 }),
    bisOffset: fc.constantFrom(0, 20, 40),
    serial: fc.integer({ min: 0, max: 999 }),
    bornFrom2000: fc.boolean(),
  })
  .map(({ yy, month, day, bisOffset, serial, bornFrom2000 }) => {
    // Clamp the day to the month (February allows 29); month 00 means date unknown.
    const maxDay = month === 0 ? 0 : [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    const dd = Math.min(day, maxDay ?? 0);
    const first9 = `${two(yy)}${two(month + bisOffset)}${two(dd)}${String(serial).padStart(3, "0")}`;
    return first9 + inszCheckDigits(first9, bornFrom2000);
  });

const dotted = (c: string) =>
  `${c.slice(0, 2)}.${c.slice(2, 4)}.${c.slice(4, 6)}-${c.slice(6, 9)}.${c.slice(9)}`;

/** Strings near the INSZ shape: digits, separators, odd whitespace, NUL, U+FFFD. */
const inszish = fc.oneof(
  fc.string({
    unit: fc.constantFrom(..."0123456789.- \t\n\u00a0\u2000\u0000\uFFFDaİ"),
    maxLength: 40,
  }),
  validInsz.map(dotted),
  validInsz.map((c) => `  ${c}\t`),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: fc.constantFrom("1", " ", "."), minLength: 250, maxLength: 270 }),
);

describe("be-insz examples", () => {
  it.each([
    ["85073003328", "85073003328"],
    ["85.07.30-033.28", "85073003328"],
    [" 85073003328 ", "85073003328"],
    ["17073003384", "17073003384"], // born 2017: valid only with the 2 prefix
    ["98472899765", "98472899765"], // BIS number, month 47 = 07 + 40
  ])("accepts %j", (raw, canonical) => {
    expect(beInsz.validate(raw)).toEqual({ ok: true, canonical });
  });

  it.each([
    ["85073003329", "KRP_ID_BAD_CHECK_DIGITS"],
    ["8507300332", "KRP_ID_BAD_LENGTH"],
    ["850730033281", "KRP_ID_BAD_LENGTH"],
    ["85O73003328", "KRP_ID_BAD_CHARACTERS"],
    ["８５０７３００３３２８", "KRP_ID_BAD_CHARACTERS"], // full-width digits are not ASCII
    ["", "KRP_ID_EMPTY"],
    [" .- ", "KRP_ID_EMPTY"],
    ["8507300\u00003328", "KRP_ID_NUL_BYTE"],
    ["8507300\uFFFD3328", "KRP_ID_INVALID_UTF8"],
    ["1".repeat(257), "KRP_ID_TOO_LONG"],
  ])("refuses %j with %s", (raw, code) => {
    const result = beInsz.validate(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.refusal.code).toBe(code);
  });

  it.each([
    ["851330033", "month 13"],
    ["853330033", "BIS month 33"],
    ["850732033", "day 32"],
    ["850230033", "30 February"],
    ["850431033", "31 April"],
  ])("refuses %s (%s) with correct check digits as KRP_ID_BAD_BIRTH_DATE", (first9) => {
    const raw = first9 + inszCheckDigits(first9, false);
    const result = beInsz.validate(raw);
    expect(result).toMatchObject({ ok: false, refusal: { code: "KRP_ID_BAD_BIRTH_DATE" } });
  });

  it.each(["850229033", "850000033", "850700033", "852000033", "854000033"])(
    "accepts %s: 29 February, unknown month or day",
    (first9) => {
      expect(beInsz.validate(first9 + inszCheckDigits(first9, false)).ok).toBe(true);
    },
  );

  it("never quotes the identifier in a refusal", () => {
    const raw = "85073003329";
    const result = beInsz.validate(raw);
    expect(JSON.stringify(result)).not.toContain(raw);
  });
});

describe("be-insz properties", () => {
  it("normalise is idempotent", () => {
    fc.assert(
      fc.property(inszish, (x) => {
        const n = beInsz.normalise(x);
        expect(beInsz.normalise(n)).toBe(n);
      }),
    );
  });

  it("validate(x) equals validate(normalise(x))", () => {
    fc.assert(
      fc.property(inszish, (x) => {
        expect(beInsz.validate(x)).toEqual(beInsz.validate(beInsz.normalise(x)));
      }),
    );
  });

  it("accepts every generated number, in plain and dotted form, with the same canonical", () => {
    fc.assert(
      fc.property(validInsz, (insz) => {
        expect(beInsz.validate(insz)).toEqual({ ok: true, canonical: insz });
        expect(beInsz.validate(dotted(insz))).toEqual({ ok: true, canonical: insz });
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses any single-digit change of a valid number", () => {
    fc.assert(
      fc.property(validInsz, fc.nat(10), fc.integer({ min: 1, max: 9 }), (insz, pos, delta) => {
        const digit = (Number(insz[pos]) + delta) % 10;
        const changed = insz.slice(0, pos) + digit + insz.slice(pos + 1);
        // Mod-97 detects every single-digit error, whichever century rule was used, unless
        // the change lands exactly on the other rule's check digits; allow only that.
        const result = beInsz.validate(changed);
        if (result.ok) {
          const first9 = changed.slice(0, 9);
          const cc = changed.slice(9);
          expect([inszCheckDigits(first9, false), inszCheckDigits(first9, true)]).toContain(cc);
          expect(inszCheckDigits(first9, false) === cc).not.toBe(
            inszCheckDigits(insz.slice(0, 9), false) === insz.slice(9),
          );
        }
      }),
    );
  });
});

/**
 * The straightforward "normalise to a string, then check it" validation (the form
 * `validate` had before its single pass over char codes), as a reference.
 */
function referenceValidate(raw: string): Validation {
  const unsafe = refuseUnsafeRaw(raw);
  if (unsafe) return unsafe;
  const canonical = beInsz.normalise(raw);
  if (canonical === "") return refuse(IdentifierRefusalCode.KRP_ID_EMPTY);
  if (!/^\d+$/.test(canonical)) return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHARACTERS);
  if (canonical.length !== 11) return refuse(IdentifierRefusalCode.KRP_ID_BAD_LENGTH);
  const first9 = canonical.slice(0, 9);
  const check = canonical.slice(9);
  if (inszCheckDigits(first9, false) !== check && inszCheckDigits(first9, true) !== check) {
    return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHECK_DIGITS);
  }
  const mm = Number(canonical.slice(2, 4));
  const dd = Number(canonical.slice(4, 6));
  if (!isPossibleInszBirthDate(mm, dd)) return refuse(IdentifierRefusalCode.KRP_ID_BAD_BIRTH_DATE);
  return accept(canonical);
}

describe("be-insz validate, single pass", () => {
  /** Near misses too: any 9–13 digits, with separators and stray characters mixed in. */
  const nearMiss = fc
    .tuple(
      fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 9, maxLength: 13 }),
      fc.array(
        fc.tuple(fc.nat(20), fc.constantFrom(".", "-", " ", "\u3000", "\ufeff", "x", "\u180e")),
        { maxLength: 4 },
      ),
    )
    .map(([digits, inserts]) =>
      inserts.reduce((s, [at, c]) => s.slice(0, at) + c + s.slice(at), digits),
    );

  it("gives exactly what normalising, then checking gives", () => {
    fc.assert(
      fc.property(fc.oneof(inszish, nearMiss, validInsz), (x) => {
        expect(beInsz.validate(x)).toEqual(referenceValidate(x));
      }),
      { numRuns: 5000 },
    );
  });
});
