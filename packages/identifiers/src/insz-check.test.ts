import { describe, expect, it } from "vitest";
import { inszCheckDigits } from "./insz-check";

describe("inszCheckDigits", () => {
  it("computes 97 − (N mod 97) before 2000", () => {
    expect(inszCheckDigits("850730033", false)).toBe("28");
  });

  it("prefixes 2 for births from 2000", () => {
    expect(inszCheckDigits("170730033", true)).toBe("84");
    expect(inszCheckDigits("170730033", false)).not.toBe("84");
  });

  it("writes a zero remainder as 97 and pads single digits", () => {
    // 000000097 mod 97 = 0 → 97; 000000096 mod 97 = 96 → 01.
    expect(inszCheckDigits("000000097", false)).toBe("97");
    expect(inszCheckDigits("000000096", false)).toBe("01");
  });

  it.each(["", "12345678", "1234567890", "12345678a", "１２３４５６７８９"])(
    "rejects %j without quoting it",
    (bad) => {
      expect(() => inszCheckDigits(bad, false)).toThrow(RangeError);
      try {
        inszCheckDigits(bad, false);
      } catch (err) {
        if (bad !== "") expect((err as Error).message).not.toContain(bad);
      }
    },
  );
});
