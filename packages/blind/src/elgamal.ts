/**
 * Blind pseudonymisation: ElGamal on ristretto255 with a reshuffle in the middle.
 *
 *   agency         M  = HashToGroup(UTF-8(scheme) ‖ 0x00 ‖ UTF-8(canonical)), DST per scheme
 *                  ct = (r·B, M + r·PK)            fresh scalar r, PK = x·B the linker's key
 *   pseudonymiser  ct' = (k·c1, k·c2)              its secret scalar k; it never decrypts
 *   linker         k·M = c2' − x·c1'               = k·M + k·r·PK − x·k·r·B
 *                  LP = hex HMAC-SHA-256(linkage key, "kruispunt/blind-pseudonym/v1" ‖ 0x00 ‖ k·M)
 *
 * Every function works on arrays (one call per batch) and names the failing record by its
 * index in the batch, never by content. A ciphertext is 64 bytes: c1 ‖ c2.
 */
import { hmacSha256 } from "@kruispunt/crypto";
import { decryptFlat, encryptFlat, reshuffleFlat } from "./batch";
import { BlindError, BlindErrorCode } from "./errors";
import { expandMessageXmdSha512 } from "./expand-message";
import {
  ELEMENT_BYTES,
  hashToGroup,
  isValidElement,
  randomScalar,
  requireScalar,
  scalarMultBase,
  utf8Bytes,
} from "./group";
import { concat } from "./oprf";
import { backend } from "./sodium";

/** Bytes of a blind ciphertext c1 ‖ c2. */
export const CIPHERTEXT_BYTES = 2 * ELEMENT_BYTES;
/** The label of the linker's keyed hash over k·M. */
export const BLIND_PSEUDONYM_LABEL = "kruispunt/blind-pseudonym/v1";
const IDENTIFIER_DST_PREFIX = "HashToGroup-kruispunt/blind-identifier/v1/";
const SCHEME_SHAPE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A canonical identifier and its scheme, as the agency holds them. */
export interface SchemeIdentifier {
  scheme: string;
  canonical: string;
}

/** A ristretto255 key pair: `secretKey` a 32-byte scalar, `publicKey` = secretKey·B. */
export interface ElementKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh ElGamal key pair for the linker (x, PK = x·B) from libsodium's CSPRNG. */
export function generateElGamalKeyPair(): ElementKeyPair {
  const secretKey = randomScalar();
  return { secretKey, publicKey: scalarMultBase(secretKey) };
}

/** A fresh reshuffle scalar k for the pseudonymiser (libsodium CSPRNG, non-zero). */
export function generateReshuffleScalar(): Uint8Array {
  return randomScalar();
}

/** The DST that maps identifiers of `scheme`: distinct schemes hash into unrelated points. */
export function identifierDst(scheme: string): Uint8Array {
  if (!SCHEME_SHAPE.test(scheme)) {
    throw new BlindError(BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT, "scheme name has the wrong shape");
  }
  return utf8Bytes(`${IDENTIFIER_DST_PREFIX}${scheme}`);
}

/**
 * The group element M of a canonical identifier: RFC 9497's HashToGroup (section 4.1,
 * ristretto255-SHA512) over UTF-8(scheme) ‖ 0x00 ‖ UTF-8(canonical), with DST
 * "HashToGroup-kruispunt/blind-identifier/v1/" ‖ scheme.
 *
 * @throws BlindError `KRP_ERR_BLIND_BAD_INPUT` for a scheme outside `[a-z0-9._-]{1,64}`.
 */
export function identifierElement(scheme: string, canonical: string): Uint8Array {
  const dst = identifierDst(scheme);
  return hashToGroup(utf8Bytes(`${scheme}\u0000${canonical}`), dst);
}

/**
 * The 64 uniform bytes of each identifier's HashToGroup (expand_message_xmd, the hashing
 * half of {@link identifierElement}), flat: 64·n bytes. The map to the group (from_hash)
 * runs in the backend, batched.
 */
export function identifierUniformBytes(identifiers: readonly SchemeIdentifier[]): Uint8Array {
  const out = new Uint8Array(64 * identifiers.length);
  identifiers.forEach(({ scheme, canonical }, i) => {
    out.set(
      expandMessageXmdSha512(utf8Bytes(`${scheme}\u0000${canonical}`), identifierDst(scheme), 64),
      64 * i,
    );
  });
  return out;
}

/** Throws `KRP_ERR_BLIND_BAD_KEY` unless `pk` is a valid ristretto255 element. */
export function requireLinkerPublicKey(pk: Uint8Array): void {
  if (!isValidElement(pk)) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
      "linker public key is not a valid ristretto255 point",
    );
  }
}

/** Splits 64·n flat bytes into n 64-byte ciphertext views. */
export function splitCiphertexts(flat: Uint8Array): Uint8Array[] {
  return Array.from({ length: flat.length / CIPHERTEXT_BYTES }, (_, i) =>
    flat.subarray(CIPHERTEXT_BYTES * i, CIPHERTEXT_BYTES * i + CIPHERTEXT_BYTES),
  );
}

/**
 * Concatenates ciphertexts into 64·n flat bytes.
 *
 * @throws BlindError `KRP_ERR_BLIND_INVALID_POINT` naming the first one that is not 64 bytes.
 */
export function joinCiphertexts(ciphertexts: readonly Uint8Array[]): Uint8Array {
  const flat = new Uint8Array(CIPHERTEXT_BYTES * ciphertexts.length);
  ciphertexts.forEach((ct, i) => {
    if (!(ct instanceof Uint8Array) || ct.length !== CIPHERTEXT_BYTES) {
      throw new BlindError(
        BlindErrorCode.KRP_ERR_BLIND_INVALID_POINT,
        `ciphertext ${i} must be ${CIPHERTEXT_BYTES} bytes`,
      );
    }
    flat.set(ct, CIPHERTEXT_BYTES * i);
  });
  return flat;
}

/**
 * Agency side: encrypts each identifier's element to the linker's public key,
 * (r·B, M + r·PK) with a fresh r per identifier, so equal identifiers give unrelated
 * ciphertexts. r·B uses libsodium's fixed-base tables.
 *
 * @param linkerPublicKey PK, a 32-byte ristretto255 element.
 * @returns one 64-byte ciphertext per input, in order.
 * @throws BlindError `KRP_ERR_BLIND_BAD_KEY` if PK is not a valid element.
 */
export function encryptIdentifiers(
  linkerPublicKey: Uint8Array,
  identifiers: readonly SchemeIdentifier[],
): Uint8Array[] {
  requireLinkerPublicKey(linkerPublicKey);
  return splitCiphertexts(
    encryptFlat(backend(), linkerPublicKey, identifierUniformBytes(identifiers)),
  );
}

/**
 * Pseudonymiser side (the "reshuffle"): (c1, c2) → (k·c1, k·c2). It neither decrypts nor
 * learns M; the result decrypts to k·M under the same linker key.
 *
 * @param k the pseudonymiser's 32-byte non-zero scalar.
 * @throws BlindError `KRP_ERR_BLIND_INVALID_POINT` naming the first ciphertext (by index
 *   and part) that is not two valid ristretto255 encodings; `KRP_ERR_BLIND_BAD_KEY` for k.
 */
export function reshuffleCiphertexts(
  k: Uint8Array,
  ciphertexts: readonly Uint8Array[],
): Uint8Array[] {
  requireScalar(k, "reshuffle scalar");
  return splitCiphertexts(reshuffleFlat(backend(), k, joinCiphertexts(ciphertexts)));
}

/**
 * Linker side: decrypts reshuffled ciphertexts to k·M = c2 − x·c1.
 *
 * @param x the linker's 32-byte ElGamal secret scalar.
 * @returns one 32-byte element per ciphertext.
 * @throws BlindError `KRP_ERR_BLIND_INVALID_POINT` for a part that is not a valid point.
 */
export function decryptCiphertexts(
  x: Uint8Array,
  ciphertexts: readonly Uint8Array[],
): Uint8Array[] {
  requireScalar(x, "linker secret key");
  const flat = decryptFlat(backend(), x, joinCiphertexts(ciphertexts));
  return Array.from({ length: ciphertexts.length }, (_, i) =>
    flat.subarray(ELEMENT_BYTES * i, ELEMENT_BYTES * i + ELEMENT_BYTES),
  );
}

/**
 * The linkage pseudonym of a decrypted element k·M: lowercase hex (64 characters)
 * HMAC-SHA-256(linkage key, UTF-8("kruispunt/blind-pseudonym/v1") ‖ 0x00 ‖ k·M).
 *
 * @param linkageKey the linker's 32-byte linkage HMAC key.
 */
export function blindPseudonymOfElement(linkageKey: Uint8Array, element: Uint8Array): string {
  if (!(linkageKey instanceof Uint8Array) || linkageKey.length !== 32) {
    throw new BlindError(BlindErrorCode.KRP_ERR_BLIND_BAD_KEY, "linkage key must be 32 bytes");
  }
  const label = utf8Bytes(BLIND_PSEUDONYM_LABEL);
  return Buffer.from(hmacSha256(linkageKey, concat(label, Uint8Array.of(0), element))).toString(
    "hex",
  );
}

/**
 * Linker side, whole step: decrypts each reshuffled ciphertext and keys its element into
 * a linkage pseudonym ({@link decryptCiphertexts} then {@link blindPseudonymOfElement}).
 *
 * @returns one 64-character lowercase hex pseudonym per ciphertext, in order.
 */
export function blindLinkagePseudonyms(
  x: Uint8Array,
  linkageKey: Uint8Array,
  ciphertexts: readonly Uint8Array[],
): string[] {
  return decryptCiphertexts(x, ciphertexts).map((e) => blindPseudonymOfElement(linkageKey, e));
}
