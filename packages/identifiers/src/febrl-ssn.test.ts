import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { febrlSsn } from "./febrl-ssn";

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
