import { beforeAll, describe, expect, it } from "vitest";
import { k1, k2, ringWithTwoVersions } from "./fixtures";
import { importKeyring } from "./keyring";
import {
  linkageKeyId,
  rekeyPseudonym,
  rekeyToCurrent,
  rotateLinkageKey,
  versionedLinkagePseudonym,
} from "./rotation";
import { cryptoReady } from "./sodium";

// Version 1 known answer from issue 3 (key 0x00..0x1f, be-insz, 85.07.30-033.28).
const LP1 = "83484b4b37b4c00fb34d4d938400d195f27266883a6d0ee307d4ee4bb821a3fa";
// python3 -c "import hmac,hashlib; k2=bytes(range(0x40,0x60)); print(hmac.new(k2, b'kruispunt/rekey/v1\x00'+bytes.fromhex('83484b4b37b4c00fb34d4d938400d195f27266883a6d0ee307d4ee4bb821a3fa'), hashlib.sha256).hexdigest())"
const LP2 = "866e3a4d974a15f61bebe2c6152ac97aaf86f6e85cbe1dd44ca65cf9af9d4970";

beforeAll(cryptoReady);

describe("linkage-key rotation", () => {
  it("re-keys a pseudonym with the next key (known answer)", () => {
    expect(rekeyPseudonym(k2, LP1)).toBe(LP2);
  });

  it("computes new records through the whole chain, equal to re-keying the old value", () => {
    const ring = ringWithTwoVersions();
    expect(versionedLinkagePseudonym(ring, "be-insz", "85073003328")).toEqual({
      pseudonym: LP2,
      keyVersion: 2,
    });
    expect(versionedLinkagePseudonym(ring, "be-insz", "85073003328", 1)).toEqual({
      pseudonym: LP1,
      keyVersion: 1,
    });
    expect(rekeyToCurrent(ring, LP1, 1)).toBe(LP2);
    expect(rekeyToCurrent(ring, LP2, 2)).toBe(LP2);
  });

  it("gives each key chain its own id and refuses unknown versions", () => {
    const ring = ringWithTwoVersions();
    expect(linkageKeyId(ring, 1)).toMatch(/^[0-9a-f]{16}$/);
    expect(linkageKeyId(ring, 1)).not.toBe(linkageKeyId(ring, 2));
    expect(linkageKeyId(ring, 1)).toBe(linkageKeyId(importKeyring({ linkageKeyHex: k1 }), 1));
    expect(() => rekeyToCurrent(ring, LP1, 3)).toThrow(/version 3/);
  });

  it("rotates to a fresh key at the next version, keeping the old ones", () => {
    const ring = rotateLinkageKey(ringWithTwoVersions());
    expect(ring.keys.filter((k) => k.purpose === "linkage").map((k) => k.version)).toEqual([
      1, 2, 3,
    ]);
    const v3 = versionedLinkagePseudonym(ring, "be-insz", "85073003328");
    expect(v3.keyVersion).toBe(3);
    expect(v3.pseudonym).not.toBe(LP2);
    expect(rekeyToCurrent(ring, LP2, 2)).toBe(v3.pseudonym);
  });
});
