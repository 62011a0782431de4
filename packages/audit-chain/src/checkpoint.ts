/**
 * Signed checkpoints. The audit service periodically signs (seq, hash) of its
 * head with Ed25519 (RFC 8032, via libsodium's crypto_sign_detached). Someone
 * who can rewrite the database can recompute every hash after an edit, or cut
 * the tail off; they cannot forge a checkpoint without the signing key, so a
 * published checkpoint pins the chain up to its seq.
 */

import { canonicalizeEx } from "json-canonicalize";
import sodium from "libsodium-wrappers-sumo";
import { isSha256Hex } from "./hash";
import type { Checkpoint, SignedCheckpoint } from "./types";

const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

/**
 * RFC 8785 (JCS) serialisation of `{seq, hash, signedAt, keyVersion}` — the
 * signed message. Fields are taken by name so a SignedCheckpoint's own
 * `signature` (or any extra column) is never part of what it signs. Throws Error
 * for an undefined field or a non-finite number.
 */
export function checkpointEncoding(cp: Checkpoint): string {
  return canonicalizeEx(
    { seq: cp.seq, hash: cp.hash, signedAt: cp.signedAt, keyVersion: cp.keyVersion },
    { strictUndefined: true },
  );
}

/**
 * Signs `cp` with a libsodium Ed25519 secret key (64 bytes: seed || public key,
 * as crypto_sign_keypair returns it). Returns a copy of the checkpoint with
 * `signature` = lowercase hex of the 64-byte detached signature over
 * UTF-8(checkpointEncoding(cp)). Throws RangeError for a secret key that is not
 * 64 bytes, a seq or keyVersion that is not a positive integer, or a hash that is
 * not lowercase hex SHA-256 — a malformed checkpoint must never be signed.
 */
export async function signCheckpoint(
  cp: Checkpoint,
  secretKey: Uint8Array,
): Promise<SignedCheckpoint> {
  await sodium.ready;
  if (secretKey.length !== sodium.crypto_sign_SECRETKEYBYTES) {
    throw new RangeError(`Ed25519 secret key must be ${sodium.crypto_sign_SECRETKEYBYTES} bytes`);
  }
  if (!Number.isSafeInteger(cp.seq) || cp.seq < 1) {
    throw new RangeError(`checkpoint seq must be a positive integer, got ${cp.seq}`);
  }
  if (!Number.isSafeInteger(cp.keyVersion) || cp.keyVersion < 1) {
    throw new RangeError(`checkpoint keyVersion must be a positive integer, got ${cp.keyVersion}`);
  }
  if (!isSha256Hex(cp.hash)) {
    throw new RangeError("checkpoint hash must be 64 lowercase hex characters");
  }
  const checkpoint: Checkpoint = {
    seq: cp.seq,
    hash: cp.hash,
    signedAt: cp.signedAt,
    keyVersion: cp.keyVersion,
  };
  const signature = sodium.crypto_sign_detached(checkpointEncoding(checkpoint), secretKey, "hex");
  return { ...checkpoint, signature };
}

/**
 * True iff `cp.signature` is a valid Ed25519 detached signature (128 lowercase
 * hex characters) by `publicKey` over UTF-8(checkpointEncoding(cp)). A malformed
 * signature or checkpoint yields false, since it is data under test; a public key
 * that is not 32 bytes throws RangeError, since that is the caller's mistake.
 */
export async function verifyCheckpoint(
  cp: SignedCheckpoint,
  publicKey: Uint8Array,
): Promise<boolean> {
  await sodium.ready;
  if (publicKey.length !== sodium.crypto_sign_PUBLICKEYBYTES) {
    throw new RangeError(`Ed25519 public key must be ${sodium.crypto_sign_PUBLICKEYBYTES} bytes`);
  }
  if (typeof cp.signature !== "string" || !SIGNATURE_HEX.test(cp.signature)) return false;
  let message: string;
  try {
    message = checkpointEncoding(cp);
  } catch {
    return false;
  }
  return sodium.crypto_sign_verify_detached(sodium.from_hex(cp.signature), message, publicKey);
}
