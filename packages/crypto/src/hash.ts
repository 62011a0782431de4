/**
 * HMAC-SHA-256 and SHA-256 over libsodium.
 */
import { toHex, utf8Bytes } from "./bytes";
import { sodium } from "./sodium";

/**
 * HMAC-SHA-256 (RFC 2104 with SHA-256, test vectors in RFC 4231) via libsodium's
 * `crypto_auth_hmacsha256_init/_update/_final`.
 *
 * The streaming API is used on purpose: the one-shot `crypto_auth_hmacsha256` requires
 * a 32-byte key, whereas HMAC (and RFC 4231's test cases) allow any key length — keys
 * longer than the 64-byte block are hashed first, shorter ones zero-padded.
 *
 * @param key any length, including 0 bytes.
 * @param message any bytes.
 * @returns the 32-byte MAC.
 * @throws CryptoError `KRP_ERR_CRYPTO_NOT_READY` before `cryptoReady()`.
 */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const s = sodium();
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
