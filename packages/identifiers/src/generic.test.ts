import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generic } from "./generic";

/** Strings stressing Unicode normalisation, case mapping and whitespace. */
const messy = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme-composite", maxLength: 60 }),
  fc.string({
    unit: fc.constantFrom(
      "a",
      "A",
      "e\u0301",
      "\u00e9",
      "\u00c9",
      "\u0130", // İ: lower-cases to two code units
      "\u00df",
      "\u03a3", // Σ: context-dependent lower case
      "\u2126", // Ω ohm sign: NFC singleton
      "\u0301",
      " ",
      "\t",
      "\n",
      "\u00a0",
      "\u2000",
      "\u0000",
      "\uFFFD",
    ),
    maxLength: 270,
  }),
);

describe("generic", () => {
  it.each([
    ["ABC-123", "abc-123"],
    ["  Jan   Janssens\t", "jan janssens"],
    ["Cafe\u0301", "caf\u00e9"],
    ["CAF\u00c9", "caf\u00e9"],
    ["a\u00a0\u2000b", "a b"],
  ])("normalises %j to %j", (raw, canonical) => {
    expect(generic.validate(raw)).toEqual({ ok: true, canonical });
    expect(generic.normalise(raw)).toBe(canonical);
  });

  it.each([
    ["", "KRP_ID_EMPTY"],
    [" \t\n ", "KRP_ID_EMPTY"],
    ["a\u0000b", "KRP_ID_NUL_BYTE"],
    ["caf\uFFFD", "KRP_ID_INVALID_UTF8"],
    ["x".repeat(257), "KRP_ID_TOO_LONG"],
    // 200 × İ is 200 code units raw but 400 once lower-cased.
    ["\u0130".repeat(200), "KRP_ID_TOO_LONG"],
  ])("refuses %j with %s", (raw, code) => {
    expect(generic.validate(raw)).toMatchObject({ ok: false, refusal: { code } });
  });

  it("accepts exactly 256 characters", () => {
    expect(generic.validate("x".repeat(256))).toEqual({ ok: true, canonical: "x".repeat(256) });
  });

  it("normalise is idempotent", () => {
    fc.assert(
      fc.property(messy, (x) => {
        const n = generic.normalise(x);
        expect(generic.normalise(n)).toBe(n);
      }),
      { numRuns: 1000 },
    );
  });

  it("validate(x) equals validate(normalise(x))", () => {
    fc.assert(
      fc.property(messy, (x) => {
        expect(generic.validate(x)).toEqual(generic.validate(generic.normalise(x)));
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts with canonical = normalise(raw)", () => {
    fc.assert(
      fc.property(messy, (x) => {
        const v = generic.validate(x);
        if (v.ok) expect(v.canonical).toBe(generic.normalise(x));
      }),
    );
  });
});
