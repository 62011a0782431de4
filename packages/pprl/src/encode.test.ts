import { describe, expect, it } from "vitest";
import { blockingKey, blockingKeys } from "./blocking";
import { bloomFilter, bloomKey, qgrams } from "./bloom";
import { Encoder, pprlKeyFromLinkageKey } from "./encode";
import { normaliseDate, normaliseName, normalisePostcode } from "./normalise";
import { PERSON_SCHEMA_V1 } from "./schema";
import { fromWire, toWire } from "./wire";

// Known answers computed independently with Python's hmac/hashlib:
//   pk = HMAC(0^32, "kruispunt/pprl-key/v1"); lk = HMAC(pk, "kruispunt/pprl-bloom/v1\0name")
//   d = HMAC(lk, " a"); h1 = d[0:4], h2 = d[4:8] | 1; bit_i = (h1 + i·h2) mod 2^32 mod 512
const pprlKey = pprlKeyFromLinkageKey(new Uint8Array(32));

describe("normalisation", () => {
  it("folds case, accents and punctuation in names", () => {
    expect(normaliseName("  Müller-Lüdenscheidt, Ångström ")).toBe("muller ludenscheidt angstrom");
    expect(normaliseName("O'Brien")).toBe("o brien");
    expect(normaliseName("")).toBe("");
  });
  it("reads three date layouts and refuses the rest", () => {
    expect(normaliseDate("19700101")).toBe("19700101");
    expect(normaliseDate("1970-01-01")).toBe("19700101");
    expect(normaliseDate("1/2/1970")).toBe("19700201");
    expect(normaliseDate("1970010")).toBe("");
    expect(normaliseDate("unknown")).toBe("");
  });
  it("keeps letters and digits of postcodes, upper case", () => {
    expect(normalisePostcode("ab1 2cd")).toBe("AB12CD");
    expect(normalisePostcode(" 2600 ")).toBe("2600");
  });
});

describe("keyed Bloom filters", () => {
  it("splits a value into distinct padded bigrams", () => {
    expect(qgrams("anna", 2)).toEqual([" a", "an", "nn", "na", "a "]);
    expect(qgrams("", 2)).toEqual([]);
  });

  it("sets the known-answer bits for the bigram ' a'", () => {
    const filter = bloomFilter(bloomKey(pprlKey, "name"), [" a"], 512, 20);
    const bits: number[] = [];
    for (let p = 0; p < 512; p++) if (((filter[p >>> 5] as number) >>> (p & 31)) & 1) bits.push(p);
    expect(bits).toEqual(
      [
        157, 2, 359, 204, 49, 406, 251, 96, 453, 298, 143, 500, 345, 190, 35, 392, 237, 82, 439,
        284,
      ].sort((a, b) => a - b),
    );
  });

  it("gives the known-answer blocking key of a date of birth", () => {
    expect(blockingKeys(blockingKey(pprlKey), { date_of_birth: "19700101" })).toEqual([
      "777f303c6d647ce5",
    ]);
  });

  it("gives different filters under another key (a dictionary needs the key)", () => {
    const a = new Encoder(pprlKey, 1, PERSON_SCHEMA_V1).encode({ surname: "smith" });
    const b = new Encoder(new Uint8Array(32).fill(1), 1, PERSON_SCHEMA_V1).encode({
      surname: "smith",
    });
    expect(a.fields[1]).not.toEqual(b.fields[1]);
    expect(a.blockingKeys).toEqual([]);
  });

  it("round-trips through the wire format, missing fields as zeros", () => {
    const e = new Encoder(pprlKey, 3, PERSON_SCHEMA_V1).encode({
      given_name: "anna",
      surname: "smith",
      date_of_birth: "19700101",
    });
    const wire = toWire(e);
    expect(wire.filters).toHaveLength(8 * 64);
    const back = fromWire(wire);
    expect(back).toEqual(e);
    expect(back.fields[3]).toBeNull();
    expect(() => fromWire({ ...wire, filters: wire.filters.slice(1) })).toThrow(
      /KRP_ERR_PPRL_BAD_ENCODING/,
    );
    expect(() => fromWire({ ...wire, schemaId: "other/v9" })).toThrow(
      /KRP_ERR_PPRL_UNKNOWN_SCHEMA/,
    );
  });
});
