import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdentifierRefusalCode } from "./errors";
import { febrlSsn } from "./febrl-ssn";
import { refuseUnsafeRaw } from "./guards";
import { accept, refuse, type Validation } from "./scheme";

const nearSsn = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."0123456789 \t\u00a0\u0000\uFFFDx-"), maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: fc.constantFrom("7", " "), minLength: 250, maxLength: 270 }),
);

describe("febrl-ssn", () => {
  it.each([
    ["1234567", "1234567"],
    [" 1234567\t", "1234567"],
    ["123 45 67", "1234567"],
    ["0000000", "0000000"],
  ])("accepts %j", (raw, canonical) => {
    expect(febrlSsn.validate(raw)).toEqual({ ok: true, canonical });
  });

  it.each([
    ["123456", "KRP_ID_BAD_LENGTH"],
    ["12345678", "KRP_ID_BAD_LENGTH"],
    ["123-4567", "KRP_ID_BAD_CHARACTERS"],
    ["123456a", "KRP_ID_BAD_CHARACTERS"],
    ["   ", "KRP_ID_EMPTY"],
  ])("refuses %j with %s", (raw, code) => {
    expect(febrlSsn.validate(raw)).toMatchObject({ ok: false, refusal: { code } });
  });

  it("normalise is idempotent", () => {
    fc.assert(
      fc.property(nearSsn, (x) => {
        const n = febrlSsn.normalise(x);
        expect(febrlSsn.normalise(n)).toBe(n);
      }),
    );
  });

  it("validate(x) equals validate(normalise(x))", () => {
    fc.assert(
      fc.property(nearSsn, (x) => {
        expect(febrlSsn.validate(x)).toEqual(febrlSsn.validate(febrlSsn.normalise(x)));
      }),
    );
  });

  it("accepts every 7-digit string as itself", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 7, maxLength: 7 }),
        (s) => {
          expect(febrlSsn.validate(s)).toEqual({ ok: true, canonical: s });
        },
      ),
    );
  });
});

/** "Normalise to a string, then check it" (before the single pass), as a reference. */
function referenceValidate(raw: string): Validation {
  const unsafe = refuseUnsafeRaw(raw);
  if (unsafe) return unsafe;
  const canonical = febrlSsn.normalise(raw);
  if (canonical === "") return refuse(IdentifierRefusalCode.KRP_ID_EMPTY);
  if (!/^\d+$/.test(canonical)) return refuse(IdentifierRefusalCode.KRP_ID_BAD_CHARACTERS);
  if (canonical.length !== 7) return refuse(IdentifierRefusalCode.KRP_ID_BAD_LENGTH);
  return accept(canonical);
}

describe("febrl-ssn validate, single pass", () => {
  it("gives exactly what normalising, then checking gives", () => {
    const spacedDigits = fc.string({
      unit: fc.constantFrom(..."0123456789", " ", "\u2028", "\u00a0", "a"),
      maxLength: 12,
    });
    fc.assert(
      fc.property(fc.oneof(nearSsn, spacedDigits), (x) => {
        expect(febrlSsn.validate(x)).toEqual(referenceValidate(x));
      }),
      { numRuns: 3000 },
    );
  });
});
