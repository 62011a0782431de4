import libsodium from "libsodium-wrappers-sumo";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeMemberKey,
  FILE_CHUNK_BYTES,
  FileDecryptor,
  FileEncryptor,
  generateFileKey,
  generateMemberKeyPair,
  openFileKey,
  sealFileKey,
} from "./file-seal";
import { cryptoReady } from "./sodium";

beforeAll(cryptoReady);

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
/** Deterministic bytes 0..n-1 mod 251 (a prime, so chunk boundaries never line up with a period). */
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

function encrypt(key: Uint8Array, plain: Uint8Array, piece: number): Buffer {
  const e = new FileEncryptor(key);
  const out: Uint8Array[] = [];
  for (let at = 0; at < plain.length; at += piece)
    out.push(...e.push(plain.subarray(at, at + piece)));
  out.push(...e.final());
  return concat(out);
}
function decrypt(key: Uint8Array, cipher: Uint8Array, piece: number): Buffer {
  const d = new FileDecryptor(key);
  const out: Uint8Array[] = [];
  for (let at = 0; at < cipher.length; at += piece)
    out.push(...d.push(cipher.subarray(at, at + piece)));
  out.push(...d.final());
  return concat(out);
}

describe("FileEncryptor / FileDecryptor (secretstream)", () => {
  it("round-trips every size around the chunk boundary, fed in any piece size", {
    timeout: 60_000,
  }, () => {
    const key = generateFileKey();
    for (const n of [
      0,
      1,
      FILE_CHUNK_BYTES - 1,
      FILE_CHUNK_BYTES,
      FILE_CHUNK_BYTES + 1,
      3 * FILE_CHUNK_BYTES,
    ]) {
      const plain = bytes(n);
      for (const piece of [1000, FILE_CHUNK_BYTES, 70_001]) {
        const cipher = encrypt(key, plain, piece);
        // header 24 + ⌈n / chunk⌉ chunks (at least one, the final) × 17 bytes overhead
        const chunks =
          Math.max(1, Math.ceil(n / FILE_CHUNK_BYTES)) +
          (n > 0 && n % FILE_CHUNK_BYTES === 0 ? 1 : 0);
        expect(cipher.length).toBe(24 + n + 17 * chunks);
        expect(decrypt(key, cipher, 16_384).equals(Buffer.from(plain))).toBe(true);
      }
    }
  });

  it("writes the libsodium format: raw crypto_secretstream pull opens it, last tag FINAL", () => {
    const key = generateFileKey();
    const plain = bytes(FILE_CHUNK_BYTES + 10);
    const cipher = encrypt(key, plain, 5000);
    const state = libsodium.crypto_secretstream_xchacha20poly1305_init_pull(
      cipher.subarray(0, 24),
      key,
    );
    type Pulled = { message: Uint8Array; tag: number };
    const first = <Pulled>(
      libsodium.crypto_secretstream_xchacha20poly1305_pull(
        state,
        cipher.subarray(24, 24 + FILE_CHUNK_BYTES + 17),
        null,
      )
    );
    const last = <Pulled>(
      libsodium.crypto_secretstream_xchacha20poly1305_pull(
        state,
        cipher.subarray(24 + FILE_CHUNK_BYTES + 17),
        null,
      )
    );
    expect(first.tag).toBe(libsodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    expect(last.tag).toBe(libsodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    expect(Buffer.concat([first.message, last.message]).equals(Buffer.from(plain))).toBe(true);
  });

  it("refuses a wrong key, an altered byte, a truncated file and trailing bytes", {
    timeout: 60_000,
  }, () => {
    const key = generateFileKey();
    const cipher = encrypt(key, bytes(2 * FILE_CHUNK_BYTES + 5), 9999);
    expect(() => decrypt(generateFileKey(), cipher, 16_384)).toThrow("failed authentication");
    const altered = Buffer.from(cipher);
    altered[100] = (altered[100] as number) ^ 1;
    expect(() => decrypt(key, altered, 16_384)).toThrow("failed authentication");
    // Cut after the first whole chunk: it authenticates but is not final.
    expect(() => decrypt(key, cipher.subarray(0, 24 + FILE_CHUNK_BYTES + 17), 4096)).toThrow(
      "truncated",
    );
    expect(() => decrypt(key, cipher.subarray(0, 10), 4096)).toThrow("truncated");
    expect(() => decrypt(key, Buffer.concat([cipher, Buffer.alloc(17)]), 4096)).toThrow();
  });
});

describe("file keys sealed to members", () => {
  it("opens only with the member's key pair", () => {
    const alice = generateMemberKeyPair();
    const bob = generateMemberKeyPair();
    expect(alice.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const key = generateFileKey();
    const sealed = sealFileKey(decodeMemberKey(alice.publicKey), key);
    expect(sealed).toHaveLength(107); // (32 + 48) bytes in base64url
    expect(Buffer.from(openFileKey(alice, sealed)).equals(Buffer.from(key))).toBe(true);
    expect(() => openFileKey(bob, sealed)).toThrow("does not open with this key pair");
    expect(() => openFileKey(alice, `${sealed.slice(0, -2)}AA`)).toThrow("does not open");
  });

  it("refuses a low-order public key (all zeros) that nothing could be sealed to", () => {
    expect(() => decodeMemberKey("A".repeat(43), "members[0].publicKey")).toThrow(
      "members[0].publicKey is not a usable X25519 public key",
    );
  });

  it("refuses malformed public keys without quoting them", () => {
    for (const bad of ["", "abc", "x".repeat(44), `${"A".repeat(42)}=`, `${"A".repeat(42)}+`]) {
      expect(() => decodeMemberKey(bad, "members[0].publicKey")).toThrow(
        "members[0].publicKey must be 43 base64url characters (a 32-byte X25519 key)",
      );
    }
  });
});
