import { describe, expect, it } from "vitest";
import { isWhitespaceCode } from "./guards";
import { getScheme, schemeNames } from "./registry";

// Refusals every scheme shares, checked against each registered scheme.
describe.each(schemeNames)("common refusals of %s", (name) => {
  const scheme = getScheme(name);
  const codeOf = (raw: string) => {
    const v = scheme.validate(raw);
    return v.ok ? "accepted" : v.refusal.code;
  };

  it("refuses empty and blank input", () => {
    expect(codeOf("")).toBe("KRP_ID_EMPTY");
    expect(codeOf(" \t\r\n\u00a0")).toBe("KRP_ID_EMPTY");
  });

  it("refuses a NUL byte", () => {
    expect(codeOf("12\u000034")).toBe("KRP_ID_NUL_BYTE");
  });

  it("refuses U+FFFD, the trace of bytes that were not UTF-8", () => {
    const decoded = new TextDecoder().decode(new Uint8Array([0x31, 0xff, 0x32]));
    expect(codeOf(decoded)).toBe("KRP_ID_INVALID_UTF8");
  });

  it("refuses more than 256 raw characters, even if mostly whitespace", () => {
    expect(codeOf(`${" ".repeat(250)}1234567`)).toBe("KRP_ID_TOO_LONG");
  });

  it("refuses a 10 kB line cheaply, before scanning it", () => {
    const line = `85073003328${" x".repeat(5_000)}`;
    expect(codeOf(line)).toBe("KRP_ID_TOO_LONG");
    // A megabyte string refused 2000 times: scanning, trimming or normalising it even
    // once per call would take seconds; the length check takes microseconds.
    const huge = "1".repeat(1_000_000);
    const start = performance.now();
    for (let i = 0; i < 2_000; i++) scheme.validate(huge);
    expect(performance.now() - start).toBeLessThan(250);
  });

  it("returns over-long input unchanged from normalise", () => {
    const long = ` ${"A".repeat(300)} `;
    expect(scheme.normalise(long)).toBe(long);
  });
});

describe("isWhitespaceCode", () => {
  it("agrees with the regexp class \\s on every UTF-16 code unit", () => {
    for (let code = 0; code <= 0xffff; code++) {
      if (isWhitespaceCode(code) !== /\s/.test(String.fromCharCode(code))) {
        expect.fail(`disagrees on U+${code.toString(16).padStart(4, "0")}`);
      }
    }
  });
});
