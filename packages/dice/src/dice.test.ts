import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createDiceBatch,
  type DiceBackend,
  DiceError,
  dice,
  popcount,
  popcount32,
  wasmPopcount,
} from "./index";

/** A bit array of `bits` bits with the given bit positions set. */
function bitsAt(bits: number, positions: number[]): Uint32Array {
  const words = new Uint32Array(bits / 32);
  for (const p of positions) words[p >>> 5] = (words[p >>> 5] as number) | (1 << (p & 31));
  return words;
}

describe("popcount", () => {
  it("gives known counts", () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000000)).toBe(1);
    expect(popcount32(0x55555555)).toBe(16);
    expect(popcount32(0x12345678)).toBe(13);
    expect(popcount(new Uint32Array([0xffffffff, 0x0000000f, 0x80000001]))).toBe(38);
    expect(wasmPopcount(new Uint32Array([0xffffffff, 0x0000000f, 0x80000001]))).toBe(38);
    expect(wasmPopcount(new Uint32Array(32).fill(0xffffffff))).toBe(1024);
  });
});

describe("dice", () => {
  it("gives the textbook bigram example: night / nacht = 0.25", () => {
    // Bigrams {ni, ig, gh, ht} and {na, ac, ch, ht}, one bit each: 2·1 / (4 + 4).
    const bit = { ni: 0, ig: 1, gh: 2, ht: 3, na: 4, ac: 5, ch: 6 };
    const night = bitsAt(64, [bit.ni, bit.ig, bit.gh, bit.ht]);
    const nacht = bitsAt(64, [bit.na, bit.ac, bit.ch, bit.ht]);
    expect(dice(night, nacht)).toBe(0.25);
  });

  it("gives exact values on hand-counted arrays", () => {
    expect(dice(new Uint32Array([0b1011]), new Uint32Array([0b0110]))).toBe(0.4); // 2·1/(3+2)
    const ones = new Uint32Array(32).fill(0xffffffff);
    const lowHalves = new Uint32Array(32).fill(0x0000ffff);
    expect(dice(ones, ones)).toBe(1);
    expect(dice(ones, lowHalves)).toBe(2 / 3); // 2·512/(1024+512)
    expect(dice(ones, new Uint32Array(32))).toBe(0);
    expect(dice(new Uint32Array(32), new Uint32Array(32))).toBe(0); // both empty: defined 0
    expect(dice(bitsAt(1024, [0, 500, 1023]), bitsAt(1024, [500, 1023, 7, 8]))).toBe(4 / 7);
  });

  it("refuses arrays of different lengths with a code, not a score", () => {
    expect(() => dice(new Uint32Array(32), new Uint32Array(16))).toThrow(DiceError);
    expect(() => dice(new Uint32Array(32), new Uint32Array(16))).toThrow(
      /1024 and 512 bits cannot be compared/,
    );
  });
});

describe.each<DiceBackend>(["wasm", "js"])("createDiceBatch (%s)", (backend) => {
  it("scores one query against contiguous candidates with exact values", () => {
    const query = new Uint32Array(32).fill(0xffffffff);
    const candidates = new Uint32Array(4 * 32);
    candidates.fill(0xffffffff, 0, 32); // 1
    candidates.fill(0x0000ffff, 32, 64); // 2/3
    // candidate 2 stays empty: 0
    candidates.set(bitsAt(1024, [3, 900]), 96); // 2·2/(1024+2)
    const batch = createDiceBatch(candidates, 32, backend);
    expect(batch.size).toBe(4);
    expect([...batch.popcounts]).toEqual([1024, 512, 0, 2]);
    const out = new Float64Array(4);
    batch.score(query, out);
    expect([...out]).toEqual([1, 2 / 3, 0, 4 / 1026]);
    const part = new Float64Array(2);
    batch.score(query, part, 1, 2);
    expect([...part]).toEqual([2 / 3, 0]);
  });

  it("equals pairwise dice for any lengths, including odd word counts", () => {
    const shape = fc
      .integer({ min: 1, max: 37 })
      .chain((words) =>
        fc.tuple(
          fc.constant(words),
          fc.uint32Array({ minLength: words, maxLength: words }),
          fc.array(fc.uint32Array({ minLength: words, maxLength: words }), { maxLength: 9 }),
        ),
      );
    fc.assert(
      fc.property(shape, ([words, query, list]) => {
        const candidates = new Uint32Array(list.length * words);
        list.forEach((c, i) => candidates.set(c, i * words));
        const out = new Float64Array(list.length);
        createDiceBatch(candidates, words, backend).score(query, out);
        expect([...out]).toEqual(list.map((c) => dice(query, c)));
      }),
      { seed: 20261129, numRuns: 300 },
    );
  });

  it("refuses a query of another length, partial records, and a short output", () => {
    const batch = createDiceBatch(new Uint32Array(64), 32, backend);
    expect(() => batch.score(new Uint32Array(16), new Float64Array(2))).toThrow(
      expect.objectContaining({ code: "KRP_ERR_DICE_LENGTH_MISMATCH" }),
    );
    expect(() => batch.score(new Uint32Array(32), new Float64Array(1))).toThrow(
      expect.objectContaining({ code: "KRP_ERR_DICE_BAD_INPUT" }),
    );
    expect(() => batch.score(new Uint32Array(32), new Float64Array(3), 1, 2)).toThrow(
      expect.objectContaining({ code: "KRP_ERR_DICE_BAD_INPUT" }),
    );
    expect(() => createDiceBatch(new Uint32Array(33), 32, backend)).toThrow(
      expect.objectContaining({ code: "KRP_ERR_DICE_LENGTH_MISMATCH" }),
    );
  });
});
