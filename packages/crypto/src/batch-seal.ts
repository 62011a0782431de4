/**
 * Sealing identifiers in batches, for agencies that produce to Kafka: one fresh
 * 32-byte batch key per batch, sealed once to the pseudonymiser (crypto_box_seal),
 * and each identifier encrypted under it with XChaCha20-Poly1305 (RFC 8439's AEAD
 * with a 24-byte nonce), the record's reference as associated data so a
 * ciphertext cannot be moved to another record.
 *
 * Why: benchmarks/README.md (bench:seal) measured 1,666 values/s for one
 * crypto_box_seal per value against ~108,000 for this scheme. Each Kafka message
 * still carries everything needed to open it (the sealed batch key travels with
 * every value), so messages stay independent; the opener caches opened batch keys.
 * Random bytes come from node:crypto: libsodium's wasm RNG costs ~6 µs per byte.
 *
 * Sealer and opener run on sodium-native (libsodium compiled in, prebuilt): intake
 * seals and the pseudonymiser opens two values per record, and through
 * libsodium-wrappers' WebAssembly each call copied its inputs into and its output out
 * of the wasm heap and UTF-8-encoded its strings into new arrays (sealing ~8 µs per
 * record, a sixth of intake's CPU under bench:intake-http; opening a tenth of the
 * pseudonymiser's). Same libsodium functions, same bytes on the wire.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { decodeOpenedIdentifier, requireKeyLength } from "./bytes";
import { SealOpenError } from "./errors";

/** One identifier sealed in a batch; all fields base64url without padding. */
export interface BatchSealedValue {
  /** The batch key sealed to the pseudonymiser (crypto_box_seal, 80 bytes). */
  sealedKey: string;
  /** 24-byte XChaCha20 nonce, random per value. */
  nonce: string;
  /** XChaCha20-Poly1305 ciphertext of the UTF-8 identifier, tag included. */
  ciphertext: string;
}

const KEY_BYTES = 32;
const NONCE_BYTES = 24;

const TAG_BYTES = 16;
/** crypto_box_seal's output for a 32-byte key: ephemeral public key + tag + key. */
const SEALED_KEY_BYTES = 32 + 16 + KEY_BYTES;

/** The sodium-native functions the sealer uses (the package ships no types). */
interface SodiumNative {
  crypto_box_seal(c: Buffer, m: Buffer, pk: Buffer): void;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Buffer,
    m: Buffer,
    ad: Buffer | null,
    nsec: null,
    npub: Buffer,
    k: Buffer,
  ): number;
  crypto_box_seal_open(m: Buffer, c: Buffer, pk: Buffer, sk: Buffer): boolean;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Buffer,
    nsec: null,
    c: Buffer,
    ad: Buffer | null,
    npub: Buffer,
    k: Buffer,
  ): number;
  sodium_memzero(buffer: Buffer): void;
}
const native = createRequire(import.meta.url)("sodium-native") as SodiumNative;

/** Plaintexts and associated data up to this many bytes are encoded into scratch buffers. */
const SCRATCH_BYTES = 4096;

/** Seals values under a batch key that changes every `batchSize` values (default 500). */
export class BatchSealer {
  private readonly publicKey: Buffer;
  private key: Buffer | null = null;
  private sealedKey = "";
  private used = 0;
  /** The batch's nonces, drawn at once: one randomBytes call per value cost ~7% of intake's CPU. */
  private nonces: Buffer = Buffer.alloc(0);
  /** UTF-8 of the plaintext (wiped after each seal) and of the associated data. */
  private readonly plain = Buffer.alloc(SCRATCH_BYTES);
  private readonly ad = Buffer.alloc(SCRATCH_BYTES);

  constructor(
    recipientPublicKey: Uint8Array,
    private readonly batchSize = 500,
  ) {
    requireKeyLength(recipientPublicKey, KEY_BYTES, "seal public key");
    this.publicKey = Buffer.from(recipientPublicKey);
  }

  /** Seals `plaintext`, bound to `associatedData` (e.g. "agency/dataset/record id"). */
  seal(plaintext: string, associatedData: string): BatchSealedValue {
    if (!this.key || this.used >= this.batchSize) {
      if (this.key) native.sodium_memzero(this.key);
      this.key = randomBytes(KEY_BYTES);
      const sealedKey = Buffer.alloc(SEALED_KEY_BYTES);
      native.crypto_box_seal(sealedKey, this.key, this.publicKey);
      this.sealedKey = sealedKey.toString("base64url");
      this.nonces = randomBytes(NONCE_BYTES * this.batchSize);
      this.used = 0;
    }
    const nonce = this.nonces.subarray(this.used * NONCE_BYTES, (this.used + 1) * NONCE_BYTES);
    this.used += 1;
    const m = utf8Into(this.plain, plaintext);
    const ad = utf8Into(this.ad, associatedData);
    const ciphertext = Buffer.allocUnsafe(m.length + TAG_BYTES);
    try {
      native.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, m, ad, null, nonce, this.key);
    } finally {
      native.sodium_memzero(m);
    }
    return {
      sealedKey: this.sealedKey,
      nonce: nonce.toString("base64url"),
      ciphertext: ciphertext.toString("base64url"),
    };
  }
}

/**
 * `text` as UTF-8 (lone surrogates become U+FFFD, as with TextEncoder) in `scratch`,
 * or in a buffer of its own when longer.
 */
function utf8Into(scratch: Buffer, text: string): Buffer {
  if (text.length * 3 > scratch.length) return Buffer.from(text, "utf8");
  return scratch.subarray(0, scratch.write(text, 0, "utf8"));
}

/** Opens batch-sealed values; remembers up to `cacheSize` opened batch keys. */
export class BatchOpener {
  private readonly keys = new Map<string, Buffer>();
  private readonly publicKey: Buffer;
  private readonly secretKey: Buffer;
  private readonly ad = Buffer.alloc(SCRATCH_BYTES);

  constructor(
    publicKey: Uint8Array,
    secretKey: Uint8Array,
    private readonly cacheSize = 1024,
  ) {
    requireKeyLength(publicKey, KEY_BYTES, "seal public key");
    requireKeyLength(secretKey, KEY_BYTES, "seal secret key");
    this.publicKey = Buffer.from(publicKey);
    this.secretKey = Buffer.from(secretKey);
  }

  /**
   * Returns the identifier. Throws SealOpenError (never quoting the value) if the
   * batch key does not open, or the ciphertext fails authentication under it and
   * `associatedData`.
   */
  open(value: BatchSealedValue, associatedData: string): string {
    const key = this.batchKey(value.sealedKey);
    let plain: Buffer;
    try {
      const nonce = Buffer.from(value.nonce, "base64url");
      if (nonce.length !== NONCE_BYTES) throw new Error("nonce length");
      const ciphertext = Buffer.from(value.ciphertext, "base64url");
      if (ciphertext.length < TAG_BYTES) throw new Error("too short");
      plain = Buffer.alloc(ciphertext.length - TAG_BYTES);
      native.crypto_aead_xchacha20poly1305_ietf_decrypt(
        plain,
        null,
        ciphertext,
        utf8Into(this.ad, associatedData),
        nonce,
        key,
      );
    } catch {
      throw new SealOpenError(
        "sealed identifier failed authentication (wrong record, key or tampered)",
      );
    }
    return decodeOpenedIdentifier(plain);
  }

  private batchKey(sealedKey: string): Buffer {
    const cached = this.keys.get(sealedKey);
    if (cached) return cached;
    const sealed = Buffer.from(sealedKey, "base64url");
    const key = Buffer.alloc(Math.max(0, sealed.length - (SEALED_KEY_BYTES - KEY_BYTES)));
    let opened = false;
    try {
      opened =
        sealed.length >= SEALED_KEY_BYTES - KEY_BYTES &&
        native.crypto_box_seal_open(key, sealed, this.publicKey, this.secretKey);
    } catch {
      opened = false;
    }
    if (!opened) throw new SealOpenError("batch key failed authentication (wrong key or tampered)");
    if (key.length !== KEY_BYTES) throw new SealOpenError("batch key has the wrong length");
    if (this.keys.size >= this.cacheSize) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
    }
    this.keys.set(sealedKey, key);
    return key;
  }
}
