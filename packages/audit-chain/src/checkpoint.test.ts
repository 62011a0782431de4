import sodium from "libsodium-wrappers-sumo";
import { beforeAll, describe, expect, it } from "vitest";
import { checkpointEncoding, signCheckpoint, verifyCheckpoint } from "./checkpoint";
import type { Checkpoint } from "./types";

let keys: { publicKey: Uint8Array; privateKey: Uint8Array };
let otherKeys: { publicKey: Uint8Array; privateKey: Uint8Array };

beforeAll(async () => {
  await sodium.ready;
  // Fixed seeds: Ed25519 signatures are deterministic, so tests are reproducible.
  keys = sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(1));
  otherKeys = sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(2));
});

const cp: Checkpoint = {
  seq: 90,
  hash: "ab".repeat(32),
  signedAt: "2025-03-14T10:00:00.000Z",
  keyVersion: 3,
};

describe("checkpointEncoding", () => {
  it("is the JCS of the four checkpoint fields only", () => {
    expect(checkpointEncoding({ ...cp, signature: "ff", extra: 1 } as Checkpoint)).toBe(
      `{"hash":"${"ab".repeat(32)}","keyVersion":3,"seq":90,"signedAt":"2025-03-14T10:00:00.000Z"}`,
    );
  });
});

describe("signCheckpoint / verifyCheckpoint", () => {
  it("signs with a 64-byte hex Ed25519 signature that verifies", async () => {
    const signed = await signCheckpoint(cp, keys.privateKey);
    expect(signed).toEqual({ ...cp, signature: expect.stringMatching(/^[0-9a-f]{128}$/) });
    expect(signed.signature).toBe(
      sodium.crypto_sign_detached(checkpointEncoding(cp), keys.privateKey, "hex"),
    );
    expect(await verifyCheckpoint(signed, keys.publicKey)).toBe(true);
  });

  it("rejects another key, any altered field, and a malformed signature", async () => {
    const signed = await signCheckpoint(cp, keys.privateKey);
    expect(await verifyCheckpoint(signed, otherKeys.publicKey)).toBe(false);
    expect(await verifyCheckpoint({ ...signed, seq: 91 }, keys.publicKey)).toBe(false);
    expect(await verifyCheckpoint({ ...signed, hash: "cd".repeat(32) }, keys.publicKey)).toBe(
      false,
    );
    expect(await verifyCheckpoint({ ...signed, keyVersion: 4 }, keys.publicKey)).toBe(false);
    expect(await verifyCheckpoint({ ...signed, signature: "zz" }, keys.publicKey)).toBe(false);
    expect(
      await verifyCheckpoint(
        { ...signed, signature: signed.signature.toUpperCase() },
        keys.publicKey,
      ),
    ).toBe(false);
  });

  it("refuses to sign malformed checkpoints or with a wrong-size key", async () => {
    await expect(signCheckpoint(cp, keys.publicKey)).rejects.toThrow(RangeError);
    await expect(signCheckpoint({ ...cp, seq: 0 }, keys.privateKey)).rejects.toThrow(RangeError);
    await expect(signCheckpoint({ ...cp, keyVersion: 0 }, keys.privateKey)).rejects.toThrow(
      RangeError,
    );
    await expect(signCheckpoint({ ...cp, hash: "AB".repeat(32) }, keys.privateKey)).rejects.toThrow(
      RangeError,
    );
  });

  it("throws for a public key that is not 32 bytes", async () => {
    const signed = await signCheckpoint(cp, keys.privateKey);
    await expect(verifyCheckpoint(signed, keys.privateKey)).rejects.toThrow(RangeError);
  });
});
