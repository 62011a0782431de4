/**
 * ristretto255 (RFC 9496) through libsodium: the group operations the OPRF and the
 * ElGamal mode share. Every libsodium failure is turned into a {@link BlindError} that
 * names what was being done, never the bytes involved.
 *
 * Elements are 32-byte canonical ristretto255 encodings; scalars are 32-byte
 * little-endian integers reduced mod the group order L (libsodium's encodings, which
 * are RFC 9497's SerializeElement / SerializeScalar).
 */

import { randomScalarsFlat } from "./batch";
import { BlindError, BlindErrorCode } from "./errors";
import { expandMessageXmdSha512 } from "./expand-message";
import { backend } from "./sodium";

/** Bytes of an encoded element (Ne) and of a scalar (Ns) for ristretto255. */
export const ELEMENT_BYTES = 32;
export const SCALAR_BYTES = 32;

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/**
 * RFC 9497 section 4.1 HashToGroup for ristretto255: expand_message_xmd(SHA-512) to 64
 * bytes, then libsodium's `crypto_core_ristretto255_from_hash` (RFC 9496 section 4.3.4
 * one-way map).
 *
 * @param dst domain separation tag, 1..255 bytes.
 * @returns a 32-byte element.
 */
export function hashToGroup(msg: Uint8Array, dst: Uint8Array): Uint8Array {
  const out = new Uint8Array(ELEMENT_BYTES);
  backend().fromHash(out, expandMessageXmdSha512(msg, dst, 64));
  return out;
}

/**
 * RFC 9497 section 4.1 HashToScalar for ristretto255: expand_message_xmd(SHA-512) to 64
 * bytes, read little-endian and reduced mod L (`crypto_core_ristretto255_scalar_reduce`).
 */
export function hashToScalar(msg: Uint8Array, dst: Uint8Array): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  // A zero result is returned as is: DeriveKeyPair checks for it and tries the next counter.
  backend().scalarReduce(out, expandMessageXmdSha512(msg, dst, 64));
  return out;
}

/** Whether `bytes` is 32 bytes and the canonical encoding of a ristretto255 point. */
export function isValidElement(bytes: Uint8Array): boolean {
  return (
    bytes instanceof Uint8Array &&
    bytes.length === ELEMENT_BYTES &&
    backend().isValidPoint(bytes) < 0
  );
}

/** Throws `KRP_ERR_BLIND_BAD_KEY` unless `scalar` is 32 bytes, reduced and non-zero. */
export function requireScalar(scalar: Uint8Array, what: string): void {
  if (!(scalar instanceof Uint8Array) || scalar.length !== SCALAR_BYTES || isZero(scalar)) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
      `${what} must be a non-zero 32-byte scalar`,
    );
  }
  // A reduced scalar is < L < 2^253; libsodium silently clears bit 255 of larger ones.
  if (((scalar[31] as number) & 0xf0) !== 0) {
    throw new BlindError(BlindErrorCode.KRP_ERR_BLIND_BAD_KEY, `${what} is not reduced mod L`);
  }
}

function isZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/**
 * `scalar · element` (`crypto_scalarmult_ristretto255`).
 *
 * @param what names the element in the error message (e.g. "ciphertext 3 part c1").
 * @throws BlindError `KRP_ERR_BLIND_INVALID_POINT` if `element` is not a valid encoding;
 *   `KRP_ERR_BLIND_IDENTITY` if the product is the identity.
 */
export function scalarMult(scalar: Uint8Array, element: Uint8Array, what: string): Uint8Array {
  if (!(element instanceof Uint8Array) || element.length !== ELEMENT_BYTES) {
    throw new BlindError(BlindErrorCode.KRP_ERR_BLIND_INVALID_POINT, `${what} is not 32 bytes`);
  }
  const out = new Uint8Array(ELEMENT_BYTES);
  if (backend().scalarMult(out, scalar, element) < 0) return out;
  // libsodium reports a bad encoding and an identity result the same way (-1); tell
  // them apart here so the message says which one happened.
  if (!isValidElement(element)) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_INVALID_POINT,
      `${what} is not a valid ristretto255 point`,
    );
  }
  throw new BlindError(BlindErrorCode.KRP_ERR_BLIND_IDENTITY, `${what}: product is the identity`);
}

/** `scalar · B` for the ristretto255 base point B. */
export function scalarMultBase(scalar: Uint8Array): Uint8Array {
  const out = new Uint8Array(ELEMENT_BYTES);
  if (backend().scalarMultBase(out, scalar) < 0) return out;
  throw new BlindError(
    BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
    "scalar times base point is the identity",
  );
}

/** `count` uniformly random non-zero scalars (see `randomScalarsFlat`), one array each. */
export function randomScalars(count: number): Uint8Array[] {
  const flat = randomScalarsFlat(backend(), count);
  return Array.from({ length: count }, (_, i) =>
    flat.subarray(SCALAR_BYTES * i, SCALAR_BYTES * i + SCALAR_BYTES),
  );
}

/** One random non-zero scalar ({@link randomScalars}). */
export function randomScalar(): Uint8Array {
  return randomScalars(1)[0] as Uint8Array;
}
