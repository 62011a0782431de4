/**
 * Extract files sealed to project members (issue 6): each file is encrypted with
 * libsodium's `crypto_secretstream_xchacha20poly1305` under a random file key, and the
 * file key is sealed (`crypto_box_seal`, X25519) to each member's public key. Only a
 * member's secret key opens it; release keeps no copy of the file key.
 *
 * Encrypted file layout ("krpx1"): the 24-byte secretstream header, then chunks, each
 * the ciphertext of {@link FILE_CHUNK_BYTES} plaintext bytes (the last may be shorter)
 * plus 17 bytes (tag + MAC). The last chunk carries TAG_FINAL, so a truncated file is
 * detected; reordered, dropped or altered chunks fail authentication.
 * Source: libsodium documentation, "Encrypted streams and file encryption"
 * (secretstream) and "Sealed boxes".
 */
import { requireKeyLength } from "./bytes";
import { CryptoError, CryptoErrorCode, SealOpenError } from "./errors";
import { sodium } from "./sodium";

/** Plaintext bytes per secretstream chunk (64 KiB). */
export const FILE_CHUNK_BYTES = 64 * 1024;
/** crypto_secretstream_xchacha20poly1305_HEADERBYTES. */
const HEADER_BYTES = 24;
/** crypto_secretstream_xchacha20poly1305_ABYTES: tag byte + Poly1305 MAC. */
const CHUNK_OVERHEAD = 17;
const BOX_KEY_BYTES = 32;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}$/;

/** A member's X25519 key pair, both halves base64url without padding (43 characters). */
export interface MemberKeyPair {
  publicKey: string;
  secretKey: string;
}

/** A fresh X25519 key pair for a project member (`crypto_box_keypair`). */
export function generateMemberKeyPair(): MemberKeyPair {
  const s = sodium();
  const pair = s.crypto_box_keypair();
  const enc = (b: Uint8Array) => s.to_base64(b, s.base64_variants.URLSAFE_NO_PADDING);
  const out = { publicKey: enc(pair.publicKey), secretKey: enc(pair.privateKey) };
  s.memzero(pair.privateKey);
  return out;
}

/**
 * Decodes a member key: 43 base64url characters (RFC 4648 §5, no padding) of a
 * 32-byte X25519 key. Throws CryptoError `KRP_ERR_BAD_KEY` naming `what`, never
 * quoting the text.
 */
export function decodeMemberKey(text: string, what = "public key"): Uint8Array {
  if (typeof text !== "string" || !BASE64URL_KEY.test(text))
    throw new CryptoError(
      CryptoErrorCode.KRP_ERR_BAD_KEY,
      `${what} must be 43 base64url characters (a 32-byte X25519 key)`,
    );
  const s = sodium();
  const key = s.from_base64(text, s.base64_variants.URLSAFE_NO_PADDING);
  requireKeyLength(key, BOX_KEY_BYTES, what);
  try {
    // libsodium refuses low-order points (e.g. all zeros): nothing could be sealed to them.
    s.crypto_box_seal(new Uint8Array(1), key);
  } catch {
    throw new CryptoError(
      CryptoErrorCode.KRP_ERR_BAD_KEY,
      `${what} is not a usable X25519 public key`,
    );
  }
  return key;
}

/** A random 32-byte secretstream key (`crypto_secretstream_xchacha20poly1305_keygen`). */
export function generateFileKey(): Uint8Array {
  return sodium().crypto_secretstream_xchacha20poly1305_keygen();
}

/** Seals `fileKey` to `publicKey` (crypto_box_seal); base64url without padding, 107 characters. */
export function sealFileKey(publicKey: Uint8Array, fileKey: Uint8Array): string {
  requireKeyLength(publicKey, BOX_KEY_BYTES, "member public key");
  const s = sodium();
  return s.to_base64(s.crypto_box_seal(fileKey, publicKey), s.base64_variants.URLSAFE_NO_PADDING);
}

/**
 * Opens a file key sealed by {@link sealFileKey}. Throws SealOpenError if the key pair
 * is not the one it was sealed to or the text was altered.
 */
export function openFileKey(pair: MemberKeyPair, sealed: string): Uint8Array {
  const s = sodium();
  const pk = decodeMemberKey(pair.publicKey, "public key");
  const sk = decodeMemberKey(pair.secretKey, "secret key");
  try {
    const box = s.from_base64(sealed, s.base64_variants.URLSAFE_NO_PADDING);
    return s.crypto_box_seal_open(box, pk, sk);
  } catch {
    throw new SealOpenError("the sealed file key does not open with this key pair");
  } finally {
    s.memzero(sk);
  }
}

/**
 * Encrypts a byte stream: feed plaintext with {@link push} in pieces of any size, then
 * call {@link final}; each returns the ciphertext bytes to append (the first call's
 * output starts with the header). Memory: one chunk.
 */
export class FileEncryptor {
  private readonly state: unknown;
  private readonly pending = new Uint8Array(FILE_CHUNK_BYTES);
  private filled = 0;
  private header: Uint8Array | null;

  constructor(key: Uint8Array) {
    requireKeyLength(key, 32, "file key");
    const { state, header } = sodium().crypto_secretstream_xchacha20poly1305_init_push(key);
    this.state = state;
    this.header = header;
  }

  /** Ciphertext for every whole chunk completed by `bytes`. */
  push(bytes: Uint8Array): Uint8Array[] {
    const out = this.takeHeader();
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(FILE_CHUNK_BYTES - this.filled, bytes.length - at);
      this.pending.set(bytes.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      // A full chunk is sealed only once more bytes follow, so the last one can carry TAG_FINAL.
      if (this.filled === FILE_CHUNK_BYTES && at < bytes.length) out.push(this.seal(false));
    }
    return out;
  }

  /** The last chunk, tagged final. The encryptor is spent afterwards. */
  final(): Uint8Array[] {
    const out = this.takeHeader();
    out.push(this.seal(true));
    return out;
  }

  private takeHeader(): Uint8Array[] {
    const h = this.header;
    this.header = null;
    const out: Uint8Array[] = h ? [h] : [];
    // A full buffer left by the previous push is not the last chunk if push is called again.
    if (this.filled === FILE_CHUNK_BYTES) out.push(this.seal(false));
    return out;
  }

  private seal(last: boolean): Uint8Array {
    const s = sodium();
    const tag = last
      ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL
      : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    const c = s.crypto_secretstream_xchacha20poly1305_push(
      this.state as never,
      this.pending.subarray(0, this.filled),
      null,
      tag,
    );
    this.filled = 0;
    return c;
  }
}

/**
 * Decrypts what {@link FileEncryptor} wrote: {@link push} ciphertext in pieces of any
 * size, then {@link final}. Throws SealOpenError for a wrong key, an altered or
 * reordered chunk, bytes after the final chunk, or a truncated file.
 */
export class FileDecryptor {
  private state: unknown = null;
  private buffer = new Uint8Array(0);
  private done = false;

  constructor(private readonly key: Uint8Array) {
    requireKeyLength(key, 32, "file key");
  }

  /** Plaintext of every chunk that is complete and known not to be the last one. */
  push(bytes: Uint8Array): Uint8Array[] {
    if (this.buffer.length === 0) this.buffer = bytes.slice();
    else {
      const merged = new Uint8Array(this.buffer.length + bytes.length);
      merged.set(this.buffer);
      merged.set(bytes, this.buffer.length);
      this.buffer = merged;
    }
    const out: Uint8Array[] = [];
    if (this.state === null) {
      if (this.buffer.length < HEADER_BYTES) return out;
      try {
        this.state = sodium().crypto_secretstream_xchacha20poly1305_init_pull(
          this.buffer.subarray(0, HEADER_BYTES),
          this.key,
        );
      } catch {
        throw new SealOpenError("the encrypted file has a bad header");
      }
      this.buffer = this.buffer.slice(HEADER_BYTES);
    }
    const whole = FILE_CHUNK_BYTES + CHUNK_OVERHEAD;
    let at = 0;
    while (this.buffer.length - at > whole) {
      out.push(this.open(this.buffer.subarray(at, at + whole), false));
      at += whole;
    }
    this.buffer = this.buffer.slice(at);
    return out;
  }

  /** The final chunk's plaintext; throws if the stream did not end with TAG_FINAL. */
  final(): Uint8Array[] {
    if (this.state === null) throw new SealOpenError("the encrypted file is truncated");
    if (this.done) return [];
    const out = [this.open(this.buffer, true)];
    this.buffer = new Uint8Array(0);
    return out;
  }

  private open(chunk: Uint8Array, last: boolean): Uint8Array {
    if (this.done) throw new SealOpenError("the encrypted file has bytes after its final chunk");
    const s = sodium();
    let result: { message: Uint8Array; tag: number } | false;
    try {
      result = s.crypto_secretstream_xchacha20poly1305_pull(this.state as never, chunk, null);
    } catch {
      result = false;
    }
    if (!result)
      throw new SealOpenError("the encrypted file failed authentication (wrong key or altered)");
    const final = result.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (final !== last)
      throw new SealOpenError(
        final
          ? "the encrypted file has bytes after its final chunk"
          : "the encrypted file is truncated",
      );
    this.done = final;
    return result.message;
  }
}
