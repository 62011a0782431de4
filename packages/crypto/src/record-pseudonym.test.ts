import { beforeAll, describe, expect, it } from "vitest";
import { k1, k2, ringWithTwoVersions } from "./fixtures";
import { importKeyring } from "./keyring";
import { recordPseudonym } from "./record-pseudonym";
import { rekeyPseudonym, versionedLinkagePseudonym } from "./rotation";
import { cryptoReady } from "./sodium";

// Computed outside this code, e.g.
// printf 'kruispunt/record-pseudonym/v1\0alpha\0persons\0r-17' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f
const RP1 = "dbf1a3d497ef9241a15b5ac08073c93f060107b9efde59cb490da5f8e6699208";
// python3 -c "import hmac,hashlib; print(hmac.new(bytes(range(0x40,0x60)), b'kruispunt/rekey/v1\x00'+bytes.fromhex(RP1), hashlib.sha256).hexdigest())"
const RP2 = "259d9a052d7f854182e450d915b4e47d43fd45f9a4408776e0c51985b3df0611";
// python3: hmac.new(bytes(range(32)), b'kruispunt/record-pseudonym/v1\x00alpha\x00persons\x00\xc3\xa9\x00x', sha256)
const RP_ODD_ID = "a882ce72d909efaf0cc9586ae71b0296bc54e4b53ce7bf51416be04b070c0b53";

const ref = { agency: "alpha", dataset: "persons", sourceRecordId: "r-17" };

beforeAll(cryptoReady);

describe("record pseudonym", () => {
  it("is HMAC(k1, label ‖ 0 ‖ agency ‖ 0 ‖ dataset ‖ 0 ‖ source record id) (known answer)", () => {
    const ring = importKeyring({ linkageKeyHex: k1 });
    expect(recordPseudonym(ring, ref)).toEqual({ pseudonym: RP1, keyVersion: 1 });
    // Any source record id, NUL and non-ASCII included, is taken as UTF-8 bytes.
    expect(recordPseudonym(ring, { ...ref, sourceRecordId: "é\u0000x" }).pseudonym).toBe(RP_ODD_ID);
  });

  it("moves forward through key rotation like a linkage pseudonym (known answer)", () => {
    const ring = ringWithTwoVersions();
    expect(recordPseudonym(ring, ref)).toEqual({ pseudonym: RP2, keyVersion: 2 });
    expect(recordPseudonym(ring, ref, 1).pseudonym).toBe(RP1);
    expect(rekeyPseudonym(k2, RP1)).toBe(RP2);
  });

  it("differs per agency, dataset and record, and from a person's linkage pseudonym", () => {
    const ring = importKeyring({ linkageKeyHex: k1 });
    const others = [
      { ...ref, agency: "beta" },
      { ...ref, dataset: "visits" },
      { ...ref, sourceRecordId: "r-18" },
      // The separators keep "alpha" + "persons\0r-17" apart from "alpha\0persons" + "r-17".
      { agency: "alphapersons", dataset: "r", sourceRecordId: "-17" },
    ].map((r) => recordPseudonym(ring, r).pseudonym);
    expect(new Set([RP1, ...others]).size).toBe(5);
    // A person whose "identifier" is the same bytes under a scheme still differs.
    const person = versionedLinkagePseudonym(ring, "generic", "alpha\u0000persons\u0000r-17");
    expect(person.pseudonym).not.toBe(RP1);
  });

  it("refuses an empty or NUL-holding agency or dataset", () => {
    const ring = importKeyring({ linkageKeyHex: k1 });
    expect(() => recordPseudonym(ring, { ...ref, agency: "" })).toThrow(/non-empty, without NUL/);
    expect(() => recordPseudonym(ring, { ...ref, dataset: "a\u0000b" })).toThrow(
      /non-empty, without NUL/,
    );
  });
});
