/**
 * Sealing identifiers for transport: an agency encrypts each raw identifier to
 * Kruispunt's `seal` public key, so Kafka and logs only ever carry ciphertext.
 */
import { decodeOpenedIdentifier, requireKeyLength, utf8Bytes } from "./bytes";
import { SealOpenError } from "./errors";
import { sodium } from "./sodium";

/** X25519 public and secret key length of `crypto_box`. */
const BOX_KEY_BYTES = 32;
/** Ephemeral public key (32) + Poly1305 tag (16) that a sealed box adds. */
const SEAL_OVERHEAD = 48;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Encrypts `plaintext` (as UTF-8) to `recipientPublicKey` with libsodium's
 * `crypto_box_seal` (anonymous sender: ephemeral X25519 key, XSalsa20-Poly1305).
 *
 * Encoding: base64url without padding (RFC 4648 §5), chosen so the value can sit in
 * URLs, CSV cells and JSON without escaping. Sealing is randomised: sealing the same
 * identifier twice gives different strings.
 *
 * @param recipientPublicKey 32-byte X25519 public key (keyring purpose `seal`).
 * @returns base64url, no padding; 64 + ⌈4·n/3⌉ characters for n plaintext bytes.
 * @throws CryptoError `KRP_ERR_BAD_KEY` for a key that is not 32 bytes.
 */
export function sealIdentifier(recipientPublicKey: Uint8Array, plaintext: string): string {
  requireKeyLength(recipientPublicKey, BOX_KEY_BYTES, "seal public key");
  const s = sodium();
  const sealed = s.crypto_box_seal(utf8Bytes(plaintext), recipientPublicKey);
  return s.to_base64(sealed, s.base64_variants.URLSAFE_NO_PADDING);
}

/**
 * Opens a value produced by {@link sealIdentifier} (`crypto_box_seal_open`).
 *
 * @param publicKey the recipient's 32-byte X25519 public key.
 * @param secretKey the matching 32-byte X25519 secret key.
 * @param sealed base64url without padding.
 * @returns the plaintext identifier.
 * @throws SealOpenError (`KRP_ERR_SEAL_OPEN`) if the text is not base64url, is too
 *   short, fails authentication (wrong key, tampering) or is not UTF-8; the message
 *   says which, never what the plaintext was. CryptoError `KRP_ERR_BAD_KEY` for keys
 *   of the wrong length.
 */
export function openSealedIdentifier(
  publicKey: Uint8Array,
  secretKey: Uint8Array,
  sealed: string,
): string {
  requireKeyLength(publicKey, BOX_KEY_BYTES, "seal public key");
  requireKeyLength(secretKey, BOX_KEY_BYTES, "seal secret key");
  const s = sodium();
  if (!BASE64URL.test(sealed)) throw new SealOpenError("sealed identifier is not base64url");
  let ciphertext: Uint8Array;
  try {
    ciphertext = s.from_base64(sealed, s.base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new SealOpenError("sealed identifier is not base64url");
  }
  if (ciphertext.length < SEAL_OVERHEAD) throw new SealOpenError("sealed identifier is too short");
  let plain: Uint8Array;
  try {
    plain = s.crypto_box_seal_open(ciphertext, publicKey, secretKey);
  } catch {
    // libsodium gives one error for wrong key and tampering alike, by design.
    throw new SealOpenError("sealed identifier failed authentication (wrong key or tampered)");
  }
  return decodeOpenedIdentifier(plain);
}
