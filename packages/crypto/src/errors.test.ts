import { describe, expect, it } from "vitest";
import {
  CryptoError,
  CryptoErrorCode,
  cryptoErrorDescriptions,
  KeyringError,
  SealOpenError,
} from "./errors";

describe("crypto error codes", () => {
  it("map every key to itself, carry the KRP_ERR_ prefix and a one-line description", () => {
    for (const [key, value] of Object.entries(CryptoErrorCode)) {
      expect(value).toBe(key);
      expect(key).toMatch(/^KRP_ERR_[A-Z0-9_]+$/);
      expect(cryptoErrorDescriptions[value].trim().length).toBeGreaterThan(0);
      expect(cryptoErrorDescriptions[value]).not.toContain("\n");
    }
    expect(Object.keys(cryptoErrorDescriptions).sort()).toEqual(
      Object.keys(CryptoErrorCode).sort(),
    );
  });

  it("error classes carry their code and stay instances of CryptoError", () => {
    const seal = new SealOpenError("x");
    expect(seal).toBeInstanceOf(CryptoError);
    expect(seal.code).toBe("KRP_ERR_SEAL_OPEN");
    const ring = new KeyringError(CryptoErrorCode.KRP_ERR_KEYRING_FORMAT, "y");
    expect(ring).toBeInstanceOf(CryptoError);
    expect(ring.code).toBe("KRP_ERR_KEYRING_FORMAT");
    expect(JSON.parse(JSON.stringify(ring))).toMatchObject({ code: "KRP_ERR_KEYRING_FORMAT" });
  });
});
