import fc from "fast-check";
import libsodium from "libsodium-wrappers-sumo";
import { beforeAll, describe, expect, it } from "vitest";
import { SealOpenError } from "./errors";
import { openSealedIdentifier, sealIdentifier } from "./seal";
import { cryptoReady } from "./sodium";

let pk: Uint8Array;
let sk: Uint8Array;

beforeAll(async () => {
  await cryptoReady();
  const pair = libsodium.crypto_box_keypair();
  pk = pair.publicKey;
  sk = pair.privateKey;
});

const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));
const toB64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");

function openError(fn: () => unknown): SealOpenError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SealOpenError);
    return err as SealOpenError;
  }
  throw new Error("expected openSealedIdentifier to throw");
}

describe("sealIdentifier / openSealedIdentifier", () => {
  it("round-trips any string, as unpadded base64url", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (plain) => {
        const sealed = sealIdentifier(pk, plain);
        expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(openSealedIdentifier(pk, sk, sealed)).toBe(plain);
      }),
      { numRuns: 200 },
    );
  });

  it("is randomised: the same identifier seals differently each time", () => {
    expect(sealIdentifier(pk, "85073003328")).not.toBe(sealIdentifier(pk, "85073003328"));
  });

  it("refuses tampered ciphertext at every position, without revealing the plaintext", () => {
    const plain = "85073003328";
    const bytes = fromB64(sealIdentifier(pk, plain));
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      const err = openError(() => openSealedIdentifier(pk, sk, toB64(tampered)));
      expect(err.code).toBe("KRP_ERR_SEAL_OPEN");
      expect(err.message).not.toContain(plain);
      expect(JSON.stringify(err)).not.toContain(plain);
    }
  });

  it("refuses the wrong key pair", () => {
    const other = libsodium.crypto_box_keypair();
    const sealed = sealIdentifier(pk, "85073003328");
    openError(() => openSealedIdentifier(other.publicKey, other.privateKey, sealed));
    openError(() => openSealedIdentifier(pk, other.privateKey, sealed));
  });

  it("refuses text that is not a sealed box", () => {
    const sealed = sealIdentifier(pk, "85073003328");
    openError(() => openSealedIdentifier(pk, sk, ""));
    openError(() => openSealedIdentifier(pk, sk, "AAAA"));
    openError(() => openSealedIdentifier(pk, sk, `${sealed}!`));
    openError(() => openSealedIdentifier(pk, sk, sealed.slice(0, -4)));
    openError(() => openSealedIdentifier(pk, sk, `${sealed}AAAA`));
  });

  it("refuses a sealed box whose content is not UTF-8", () => {
    const sealed = toB64(libsodium.crypto_box_seal(new Uint8Array([0xff, 0xfe]), pk));
    openError(() => openSealedIdentifier(pk, sk, sealed));
  });

  it("refuses keys of the wrong length", () => {
    expect(() => sealIdentifier(new Uint8Array(31), "x")).toThrowError(
      expect.objectContaining({ code: "KRP_ERR_BAD_KEY" }),
    );
    expect(() => openSealedIdentifier(pk, new Uint8Array(64), "x")).toThrowError(
      expect.objectContaining({ code: "KRP_ERR_BAD_KEY" }),
    );
  });
});
