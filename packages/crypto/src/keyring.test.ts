import { beforeAll, describe, expect, it } from "vitest";
import { KeyringError } from "./errors";
import {
  currentKey,
  generateKeyring,
  importKeyring,
  type Keyring,
  keyringFingerprint,
  publicKeyOf,
} from "./keyring";
import { cryptoReady } from "./sodium";

beforeAll(cryptoReady);

const LINKAGE_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const RELEASE_HEX = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

describe("generateKeyring", () => {
  it("makes one version-1 key per purpose with the right sizes", () => {
    const ring = generateKeyring(["linkage", "release", "seal", "signing", "seal"]);
    expect(ring.format).toBe("kruispunt-keyring/1");
    expect(ring.keys.map((k) => `${k.purpose}:${k.version}`)).toEqual([
      "linkage:1",
      "release:1",
      "seal:1",
      "signing:1",
    ]);
    expect(currentKey(ring, "linkage").key).toHaveLength(32);
    expect(currentKey(ring, "release").key).toHaveLength(32);
    expect(currentKey(ring, "seal").secretKey).toHaveLength(32);
    expect(currentKey(ring, "signing").secretKey).toHaveLength(64);
    expect(publicKeyOf(ring, "seal")).toHaveLength(32);
    expect(publicKeyOf(ring, "signing")).toHaveLength(32);
    expect(Number.isNaN(Date.parse(ring.keys[0]?.createdAt ?? ""))).toBe(false);
  });

  it("draws fresh keys each time", () => {
    const a = currentKey(generateKeyring(["linkage"]), "linkage").key;
    const b = currentKey(generateKeyring(["linkage"]), "linkage").key;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("refuses an unknown purpose", () => {
    expect(() => generateKeyring(["nope" as "seal"])).toThrowError(
      expect.objectContaining({ code: "KRP_ERR_BAD_INPUT" }),
    );
  });
});

describe("importKeyring", () => {
  it("imports linkage and optional release keys, upper or lower case", () => {
    const ring = importKeyring({
      linkageKeyHex: LINKAGE_HEX.toUpperCase(),
      releaseKeyHex: RELEASE_HEX,
    });
    expect(Buffer.from(currentKey(ring, "linkage").key).toString("hex")).toBe(LINKAGE_HEX);
    expect(Buffer.from(currentKey(ring, "release").key).toString("hex")).toBe(RELEASE_HEX);
    expect(() => currentKey(importKeyring({ linkageKeyHex: LINKAGE_HEX }), "release")).toThrowError(
      expect.objectContaining({ code: "KRP_ERR_KEYRING_MISSING_KEY" }),
    );
  });

  it.each([
    LINKAGE_HEX.slice(2),
    `${LINKAGE_HEX}00`,
    `${LINKAGE_HEX.slice(1)}g`,
    ` ${LINKAGE_HEX.slice(1)}`,
  ])("refuses bad hex without quoting it", (bad) => {
    let caught: unknown;
    try {
      importKeyring({ linkageKeyHex: LINKAGE_HEX, releaseKeyHex: bad });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KeyringError);
    const err = caught as KeyringError;
    expect(err.code).toBe("KRP_ERR_BAD_KEY");
    expect(err.message).toContain("releaseKeyHex");
    for (const secret of [bad.trim(), LINKAGE_HEX, bad.slice(0, 16)]) {
      expect(err.message).not.toContain(secret);
      expect(JSON.stringify(err)).not.toContain(secret);
    }
  });
});

describe("currentKey", () => {
  it("picks the highest version and throws when a purpose is missing", () => {
    const ring: Keyring = importKeyring({ linkageKeyHex: LINKAGE_HEX });
    const createdAt = new Date().toISOString();
    ring.keys.push({ purpose: "linkage", version: 3, key: new Uint8Array(32).fill(3), createdAt });
    ring.keys.push({ purpose: "linkage", version: 2, key: new Uint8Array(32).fill(2), createdAt });
    expect(currentKey(ring, "linkage").version).toBe(3);
    expect(currentKey(ring, "linkage").key[0]).toBe(3);
    expect(() => currentKey(ring, "seal")).toThrowError(KeyringError);
    expect(() => publicKeyOf(ring, "signing")).toThrowError(
      expect.objectContaining({ code: "KRP_ERR_KEYRING_MISSING_KEY" }),
    );
  });
});

describe("keyringFingerprint", () => {
  it("is 16 hex characters, independent of key order and creation time", () => {
    const a = importKeyring({ linkageKeyHex: LINKAGE_HEX, releaseKeyHex: RELEASE_HEX });
    const b: Keyring = {
      format: a.format,
      keys: [...a.keys].reverse().map((k) => ({ ...k, createdAt: "2000-01-01T00:00:00.000Z" })),
    };
    expect(keyringFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyringFingerprint(b)).toBe(keyringFingerprint(a));
  });

  it("changes with any key, version or purpose", () => {
    const base = keyringFingerprint(importKeyring({ linkageKeyHex: LINKAGE_HEX }));
    expect(keyringFingerprint(importKeyring({ linkageKeyHex: RELEASE_HEX }))).not.toBe(base);
    const bumped = importKeyring({ linkageKeyHex: LINKAGE_HEX });
    if (bumped.keys[0]) bumped.keys[0].version = 2;
    expect(keyringFingerprint(bumped)).not.toBe(base);
    expect(keyringFingerprint(generateKeyring(["seal"]))).not.toBe(
      keyringFingerprint(generateKeyring(["seal"])),
    );
  });

  it("does not contain any key material", () => {
    const ring = importKeyring({ linkageKeyHex: LINKAGE_HEX });
    expect(LINKAGE_HEX).not.toContain(keyringFingerprint(ring));
  });
});

describe("publicKeyOf", () => {
  it("returns a copy, so callers cannot alter the ring", () => {
    const ring = generateKeyring(["seal"]);
    const pk = publicKeyOf(ring, "seal");
    pk.fill(0);
    expect(publicKeyOf(ring, "seal").some((b) => b !== 0)).toBe(true);
  });
});
