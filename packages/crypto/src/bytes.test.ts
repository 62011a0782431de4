import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { labelled, labelledTextView, toHex, utf8Bytes } from "./bytes";

// Lengths on both sides of the shared buffers' limits (1024 bytes for hex, 1024 UTF-16
// code units for the labelled text).
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ minLength: 1000, maxLength: 1100 }),
);
const label = fc
  .string({ unit: "binary", minLength: 1, maxLength: 40 })
  .filter((s) => !s.includes("\u0000"));
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.string({ unit: "binary", minLength: 990, maxLength: 1100 }),
  // Lone and paired surrogates next to the separator.
  fc.string({ unit: fc.constantFrom("\ud800", "\udc00", "\ud83d\ude00", "a", "é"), maxLength: 8 }),
);

describe("toHex", () => {
  it("is Buffer's lowercase hex, for short and long arrays and subarray views", () => {
    fc.assert(
      fc.property(bytes, fc.nat(8), (b, skip) => {
        const view = b.subarray(Math.min(skip, b.length));
        expect(toHex(view)).toBe(Buffer.from(view).toString("hex"));
      }),
    );
    expect(toHex(new Uint8Array(0))).toBe("");
  });

  it("does not carry bytes over from an earlier, longer call", () => {
    expect(toHex(new Uint8Array([0xff, 0xee, 0xdd]))).toBe("ffeedd");
    expect(toHex(new Uint8Array([0x01]))).toBe("01");
  });
});

describe("labelledTextView", () => {
  it("gives the bytes of labelled(label, utf8Bytes(text))", () => {
    fc.assert(
      fc.property(label, text, (l, t) => {
        expect(Array.from(labelledTextView(l, t))).toEqual(Array.from(labelled(l, utf8Bytes(t))));
      }),
    );
  });
});
