import { createHmac } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { hmacSha256, sha256Hex } from "./hash";
import { cryptoReady } from "./sodium";

beforeAll(cryptoReady);

const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const text = (s: string) => new TextEncoder().encode(s);

// RFC 4231 §4.2–4.8, HMAC-SHA-256 results. Case 5's output is truncated to 128 bits.
const rfc4231 = [
  {
    name: "1",
    key: hex("0b".repeat(20)),
    data: text("Hi There"),
    mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  },
  {
    name: "2 (key shorter than output)",
    key: text("Jefe"),
    data: text("what do ya want for nothing?"),
    mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  },
  {
    name: "3",
    key: hex("aa".repeat(20)),
    data: hex("dd".repeat(50)),
    mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
  },
  {
    name: "4",
    key: hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
    data: hex("cd".repeat(50)),
    mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
  },
  {
    name: "5 (truncated to 128 bits)",
    key: hex("0c".repeat(20)),
    data: text("Test With Truncation"),
    mac: "a3b6167473100ee06e0c796c2955552b",
  },
  {
    name: "6 (key larger than block size)",
    key: hex("aa".repeat(131)),
    data: text("Test Using Larger Than Block-Size Key - Hash Key First"),
    mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  },
  {
    name: "7 (key and data larger than block size)",
    key: hex("aa".repeat(131)),
    data: text(
      "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
    ),
    mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  },
];

describe("hmacSha256", () => {
  it.each(rfc4231)("matches RFC 4231 test case $name", ({ key, data, mac }) => {
    const out = hmacSha256(key, data);
    expect(out).toHaveLength(32);
    // Compare the prefix: equal to the whole MAC except for the truncated case 5.
    expect(toHex(out).slice(0, mac.length)).toBe(mac);
  });

  it("accepts an empty key and an empty message", () => {
    // HMAC-SHA-256 of the empty message under the empty key (any HMAC implementation agrees).
    expect(toHex(hmacSha256(new Uint8Array(0), new Uint8Array(0)))).toBe(
      "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
    );
  });
});

describe("hmacSha256 against node:crypto", () => {
  it("agrees for 32-byte keys (libsodium one-shot) and every other length (streaming)", () => {
    const key = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 200 }),
    );
    fc.assert(
      fc.property(key, fc.uint8Array({ maxLength: 300 }), (k, m) => {
        expect(toHex(hmacSha256(k, m))).toBe(createHmac("sha256", k).update(m).digest("hex"));
      }),
    );
  });
});

describe("sha256Hex", () => {
  it("matches FIPS 180-4 examples, hashing strings as UTF-8", () => {
    expect(sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(sha256Hex(text("abc"))).toBe(sha256Hex("abc"));
    expect(sha256Hex("é")).toBe(sha256Hex(new Uint8Array([0xc3, 0xa9])));
  });
});
