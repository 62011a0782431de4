/**
 * RFC 9497 OPRF mode 0x00 (OPRF) for the suite OPRF(ristretto255, SHA-512), on
 * libsodium. Kruispunt's blind mode does not run the OPRF protocol itself; it is here
 * so that the RFC's Appendix A.1.1 test vectors prove HashToGroup, HashToScalar,
 * DeriveKeyPair and the scalar arithmetic byte for byte.
 */
import { createHash } from "node:crypto";
import { BlindError, BlindErrorCode } from "./errors";
import {
  hashToGroup,
  hashToScalar,
  randomScalar,
  requireScalar,
  scalarMult,
  scalarMultBase,
  utf8Bytes,
} from "./group";
import { backend } from "./sodium";

/** RFC 9497 section 4.1 suite identifier. */
export const OPRF_SUITE_ID = "ristretto255-SHA512";
/** The OPRF mode byte (section 3.1). */
export const MODE_OPRF = 0x00;

/**
 * RFC 9497 section 3.1 contextString = "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ identifier.
 * The mode is one raw byte, not text.
 */
export function contextString(mode: number = MODE_OPRF): Uint8Array {
  return concat(utf8Bytes("OPRFV1-"), Uint8Array.of(mode), utf8Bytes(`-${OPRF_SUITE_ID}`));
}

const CONTEXT = contextString();
const HASH_TO_GROUP_DST = concat(utf8Bytes("HashToGroup-"), CONTEXT);
const HASH_TO_SCALAR_DST = concat(utf8Bytes("HashToScalar-"), CONTEXT);
const DERIVE_KEY_PAIR_DST = concat(utf8Bytes("DeriveKeyPair"), CONTEXT);

/** The suite's HashToGroup with its default DST "HashToGroup-" ‖ contextString. */
export function oprfHashToGroup(input: Uint8Array): Uint8Array {
  return hashToGroup(input, HASH_TO_GROUP_DST);
}

/** The suite's HashToScalar with its default DST "HashToScalar-" ‖ contextString. */
export function oprfHashToScalar(input: Uint8Array): Uint8Array {
  return hashToScalar(input, HASH_TO_SCALAR_DST);
}

/**
 * RFC 9497 section 3.2.1 DeriveKeyPair(seed, info).
 *
 * @param seed 32 bytes (Nseed).
 * @param info public key info, at most 65535 bytes.
 * @returns skS (32-byte scalar) and pkS = skS·B (32-byte element).
 * @throws BlindError `KRP_ERR_BLIND_BAD_INPUT` for a bad seed/info length,
 *   `KRP_ERR_BLIND_DERIVE_KEY_PAIR` if no counter 0..255 gives a non-zero scalar.
 */
export function deriveKeyPair(
  seed: Uint8Array,
  info: Uint8Array,
): { secretKey: Uint8Array; publicKey: Uint8Array } {
  if (seed.length !== 32 || info.length > 0xffff) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT,
      "DeriveKeyPair: seed must be 32 bytes, info at most 65535",
    );
  }
  const deriveInput = concat(seed, i2osp2(info.length), info);
  for (let counter = 0; counter <= 255; counter++) {
    const skS = hashToScalar(concat(deriveInput, Uint8Array.of(counter)), DERIVE_KEY_PAIR_DST);
    if (!skS.every((b) => b === 0)) return { secretKey: skS, publicKey: scalarMultBase(skS) };
  }
  throw new BlindError(
    BlindErrorCode.KRP_ERR_BLIND_DERIVE_KEY_PAIR,
    "DeriveKeyPair: no valid scalar",
  );
}

/**
 * RFC 9497 section 3.3.1 Blind(input). Pass `blind` only in tests (the RFC's vectors fix
 * it); otherwise a fresh random scalar is drawn.
 *
 * @returns the blind scalar and blindedElement = blind · HashToGroup(input).
 * @throws BlindError `KRP_ERR_BLIND_IDENTITY` if the input hashes to the identity.
 */
export function blind(
  input: Uint8Array,
  fixedBlind?: Uint8Array,
): { blind: Uint8Array; blindedElement: Uint8Array } {
  const r = fixedBlind ?? randomScalar();
  requireScalar(r, "blind");
  const inputElement = oprfHashToGroup(input);
  return { blind: r, blindedElement: scalarMult(r, inputElement, "input element") };
}

/**
 * RFC 9497 section 3.3.1 BlindEvaluate(skS, blindedElement) = skS · blindedElement.
 *
 * @throws BlindError `KRP_ERR_BLIND_INVALID_POINT` if `blindedElement` does not decode
 *   (the server's DeserializeElement check).
 */
export function blindEvaluate(secretKey: Uint8Array, blindedElement: Uint8Array): Uint8Array {
  requireScalar(secretKey, "skS");
  return scalarMult(secretKey, blindedElement, "blinded element");
}

/**
 * RFC 9497 section 3.3.1 Finalize(input, blind, evaluatedElement): SHA-512 over
 * I2OSP(len(input), 2) ‖ input ‖ I2OSP(32, 2) ‖ (blind⁻¹ · evaluatedElement) ‖ "Finalize".
 *
 * @returns the 64-byte OPRF output.
 */
export function finalize(
  input: Uint8Array,
  blindScalar: Uint8Array,
  evaluatedElement: Uint8Array,
): Uint8Array {
  requireScalar(blindScalar, "blind");
  const inverse = new Uint8Array(32);
  backend().scalarInvert(inverse, blindScalar); // blindScalar is non-zero: invertible
  const unblinded = scalarMult(inverse, evaluatedElement, "evaluated element");
  const h = createHash("sha512");
  h.update(i2osp2(input.length));
  h.update(input);
  h.update(i2osp2(unblinded.length));
  h.update(unblinded);
  h.update(utf8Bytes("Finalize"));
  return new Uint8Array(h.digest());
}

function i2osp2(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

/** Concatenation of byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
