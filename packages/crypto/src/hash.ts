/**
 * HMAC-SHA-256 and SHA-256 over libsodium.
 */
import { toHex, utf8Bytes } from "./bytes";
import { sodium } from "./sodium";

/** The key length of libsodium's one-shot `crypto_auth_hmacsha256`. */
const ONE_SHOT_KEY_BYTES = 32;

/**
 * HMAC-SHA-256 (RFC 2104 with SHA-256, test vectors in RFC 4231).
 *
 * 32-byte keys (every linkage, release and project key) go through libsodium's one-shot
 * `crypto_auth_hmacsha256`: one wrapper call instead of three, which matters at a
 * million identifiers. That function only takes 32-byte keys, whereas HMAC (and
 * RFC 4231's test cases) allow any length — keys longer than the 64-byte block are
 * hashed first, shorter ones zero-padded — so other lengths use the streaming
 * `crypto_auth_hmacsha256_init/_update/_final`. Both compute the same HMAC (the one-shot
 * is init/update/final with the same key inside libsodium).
 *
 * @param key any length, including 0 bytes.
 * @param message any bytes.
 * @returns the 32-byte MAC.
 * @throws CryptoError `KRP_ERR_CRYPTO_NOT_READY` before `cryptoReady()`.
 */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const s = sodium();
  if (key.length === ONE_SHOT_KEY_BYTES) return s.crypto_auth_hmacsha256(message, key);
  const state = s.crypto_auth_hmacsha256_init(key);
  s.crypto_auth_hmacsha256_update(state, message);
  return s.crypto_auth_hmacsha256_final(state);
}

/**
 * SHA-256 (FIPS 180-4) as 64 lowercase hex characters. Strings are hashed as UTF-8.
 *
 * @throws CryptoError `KRP_ERR_CRYPTO_NOT_READY` before `cryptoReady()`.
 */
export function sha256Hex(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? utf8Bytes(data) : data;
  return toHex(sodium().crypto_hash_sha256(bytes));
}
