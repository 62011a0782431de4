import { beforeAll, describe, expect, it } from "vitest";
import { BatchOpener, BatchSealer } from "./batch-seal";
import { cryptoReady, sodium } from "./sodium";

let pair: { publicKey: Uint8Array; privateKey: Uint8Array };
beforeAll(async () => {
  await cryptoReady();
  pair = sodium().crypto_box_keypair();
});

describe("batch sealing", () => {
  it("round-trips and shares one sealed key per batch", () => {
    const sealer = new BatchSealer(pair.publicKey, 3);
    const values = ["85073003328", "17073003384", "98472899765", "5304218"].map((id, i) =>
      sealer.seal(id, `a/d/${i}`),
    );
    expect(new Set(values.slice(0, 3).map((v) => v.sealedKey)).size).toBe(1);
    expect(values[3]?.sealedKey).not.toBe(values[0]?.sealedKey);
    const opener = new BatchOpener(pair.publicKey, pair.privateKey);
    expect(values.map((v, i) => opener.open(v, `a/d/${i}`))).toEqual([
      "85073003328",
      "17073003384",
      "98472899765",
      "5304218",
    ]);
  });

  it("seals UTF-8 as TextEncoder encodes it: non-ASCII, a lone surrogate, a long value", () => {
    const sealer = new BatchSealer(pair.publicKey);
    const opener = new BatchOpener(pair.publicKey, pair.privateKey);
    const long = "é".repeat(3000);
    const texts = ["Zoë Ñúñez-Çelik 李", "a\uD800b", long, "x"];
    const sealed = texts.map((t, i) => sealer.seal(t, `a/d/${i}#qi`));
    expect(sealed.map((v, i) => opener.open(v, `a/d/${i}#qi`))).toEqual([
      "Zoë Ñúñez-Çelik 李",
      "a\uFFFDb",
      long,
      "x",
    ]);
    // 16-byte tag on the UTF-8 bytes: 2 bytes per é.
    expect(Buffer.from(sealed[2]?.ciphertext ?? "", "base64url").length).toBe(6000 + 16);
    expect(Buffer.from(sealed[0]?.sealedKey ?? "", "base64url").length).toBe(80);
  });

  it("speaks the same bytes as libsodium-wrappers, both ways", () => {
    const s = sodium();
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    // Sealed by hand with the wasm build, opened by BatchOpener.
    const key = s.crypto_aead_xchacha20poly1305_ietf_keygen();
    const nonce = s.randombytes_buf(24);
    const byHand = {
      sealedKey: b64(s.crypto_box_seal(key, pair.publicKey)),
      nonce: b64(nonce),
      ciphertext: b64(
        s.crypto_aead_xchacha20poly1305_ietf_encrypt("85073003328", "a/d/7", null, nonce, key),
      ),
    };
    expect(new BatchOpener(pair.publicKey, pair.privateKey).open(byHand, "a/d/7")).toBe(
      "85073003328",
    );
    // Sealed by BatchSealer, opened by hand with the wasm build.
    const sealed = new BatchSealer(pair.publicKey).seal("Zoë", "a/d/8#qi");
    const opened = s.crypto_box_seal_open(
      Buffer.from(sealed.sealedKey, "base64url"),
      pair.publicKey,
      pair.privateKey,
    );
    const plain = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      Buffer.from(sealed.ciphertext, "base64url"),
      "a/d/8#qi",
      Buffer.from(sealed.nonce, "base64url"),
      opened,
    );
    expect(Buffer.from(plain).toString("utf8")).toBe("Zoë");
  });

  it("refuses a short or cut ciphertext, nonce or batch key", () => {
    const value = new BatchSealer(pair.publicKey).seal("85073003328", "a/d/1");
    const opener = new BatchOpener(pair.publicKey, pair.privateKey);
    const cut = (text: string, bytes: number) =>
      Buffer.from(text, "base64url").subarray(0, bytes).toString("base64url");
    expect(() => opener.open({ ...value, ciphertext: cut(value.ciphertext, 15) }, "a/d/1")).toThrow(
      /sealed identifier failed authentication/,
    );
    expect(() => opener.open({ ...value, ciphertext: "" }, "a/d/1")).toThrow(
      /sealed identifier failed authentication/,
    );
    expect(() => opener.open({ ...value, nonce: cut(value.nonce, 23) }, "a/d/1")).toThrow(
      /sealed identifier failed authentication/,
    );
    expect(() => opener.open({ ...value, sealedKey: cut(value.sealedKey, 47) }, "a/d/1")).toThrow(
      /batch key failed authentication/,
    );
    expect(() => opener.open({ ...value, sealedKey: cut(value.sealedKey, 79) }, "a/d/1")).toThrow(
      /batch key failed authentication/,
    );
    // A sealed box of 31 bytes opens, but is no batch key.
    const short = Buffer.from(sodium().crypto_box_seal(new Uint8Array(31), pair.publicKey));
    expect(() =>
      opener.open({ ...value, sealedKey: short.toString("base64url") }, "a/d/1"),
    ).toThrow(/batch key has the wrong length/);
  });

  it("never repeats a nonce and hides equal identifiers", () => {
    const sealer = new BatchSealer(pair.publicKey);
    const a = sealer.seal("85073003328", "a/d/1");
    const b = sealer.seal("85073003328", "a/d/1");
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it("gives every value of several batches its own 24-byte nonce", () => {
    const sealer = new BatchSealer(pair.publicKey, 4);
    const nonces = Array.from(
      { length: 10 },
      (_, i) => sealer.seal("85073003328", `a/d/${i}`).nonce,
    );
    expect(new Set(nonces).size).toBe(10);
    expect(nonces.map((n) => Buffer.from(n, "base64url").length)).toEqual(Array(10).fill(24));
  });

  it("refuses a ciphertext moved to another record, tampered, or opened with another key", () => {
    const value = new BatchSealer(pair.publicKey).seal("85073003328", "a/d/1");
    const opener = new BatchOpener(pair.publicKey, pair.privateKey);
    expect(() => opener.open(value, "a/d/2")).toThrow(/failed authentication/);
    const flipped = Buffer.from(value.ciphertext, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() =>
      opener.open({ ...value, ciphertext: flipped.toString("base64url") }, "a/d/1"),
    ).toThrow(/failed authentication/);
    const other = sodium().crypto_box_keypair();
    expect(() => new BatchOpener(other.publicKey, other.privateKey).open(value, "a/d/1")).toThrow(
      /batch key/,
    );
  });

  it("never puts the identifier in an error message", () => {
    const value = new BatchSealer(pair.publicKey).seal("85073003328", "a/d/1");
    try {
      new BatchOpener(pair.publicKey, pair.privateKey).open(value, "x");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("85073003328");
    }
  });
});
