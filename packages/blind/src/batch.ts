/**
 * The blind mode's three batch steps on flat byte arrays, over one backend (backend.ts):
 * the shared core of the synchronous API (elgamal.ts) and of the worker pool (pool.ts),
 * so both compute and refuse exactly alike. Errors name the record by its index in the
 * caller's batch (`offset` + index in this chunk) and the ciphertext part, never bytes.
 */
import { randomBytes } from "node:crypto";
import type { RistrettoBackend } from "./backend";
import { BlindError, BlindErrorCode } from "./errors";

const E = 32;

/**
 * `count` uniformly random non-zero scalars, flat (32·count bytes): 64 bytes from Node's
 * CSPRNG per scalar reduced mod L (bias below 2^-250, as RFC 9496's HashToScalar).
 * Not libsodium's `scalar_random`: in the wasm build its `randombytes` calls back into
 * JavaScript per draw, ~670 µs per scalar here against ~20 µs this way.
 */
export function randomScalarsFlat(b: RistrettoBackend, count: number): Uint8Array {
  const out = new Uint8Array(E * count);
  let failed = b.scalarReduce(out, randomBytes(64 * count));
  // Zero has probability 2^-252 per draw; redraw rather than reason about it downstream.
  while (failed >= 0) {
    const one = new Uint8Array(E);
    if (b.scalarReduce(one, randomBytes(64)) < 0) out.set(one, E * failed);
    failed = firstZero(out);
  }
  return out;
}

function firstZero(scalars: Uint8Array): number {
  for (let i = 0; i < scalars.length / E; i++) {
    let acc = 0;
    for (let j = E * i; j < E * i + E; j++) acc |= scalars[j] as number;
    if (acc === 0) return i;
  }
  return -1;
}

/** The BlindError for a failed 32-byte part `part` of a ciphertext batch. */
function partError(
  b: RistrettoBackend,
  ciphertexts: Uint8Array,
  part: number,
  offset: number,
): BlindError {
  const what = `ciphertext ${offset + (part >> 1)} part c${(part & 1) + 1}`;
  // libsodium reports a bad encoding and an identity result the same way (-1); tell
  // them apart here so the message says which one happened.
  if (b.isValidPoint(ciphertexts.subarray(E * part, E * part + E)) >= 0) {
    return new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_INVALID_POINT,
      `${what} is not a valid ristretto255 point`,
    );
  }
  return new BlindError(BlindErrorCode.KRP_ERR_BLIND_IDENTITY, `${what}: product is the identity`);
}

/**
 * Agency step on n identifiers already expanded to 64 uniform bytes each
 * (expand_message_xmd): M = from_hash(uniform), fresh r, (r·B, M + r·PK). The r values are
 * wiped before returning.
 *
 * @returns 64·n bytes, c1 ‖ c2 per identifier.
 */
export function encryptFlat(b: RistrettoBackend, pk: Uint8Array, uniform: Uint8Array): Uint8Array {
  const n = uniform.length / 64;
  const m = new Uint8Array(E * n);
  b.fromHash(m, uniform);
  const r = randomScalarsFlat(b, n);
  const out = new Uint8Array(2 * E * n);
  const failed = b.encrypt(out, pk, m, r);
  r.fill(0);
  m.fill(0);
  if (failed >= 0) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_IDENTITY,
      `identifier ${failed}: encryption produced the identity`,
    );
  }
  return out;
}

/** Pseudonymiser step: (k·c1, k·c2) for n flat ciphertexts (64·n bytes). */
export function reshuffleFlat(
  b: RistrettoBackend,
  k: Uint8Array,
  ciphertexts: Uint8Array,
  offset = 0,
): Uint8Array {
  const out = new Uint8Array(ciphertexts.length);
  const failed = b.reshuffle(out, k, ciphertexts);
  if (failed >= 0) throw partError(b, ciphertexts, failed, offset);
  return out;
}

/** Linker step: k·M = c2 − x·c1 for n flat ciphertexts; returns 32·n bytes. */
export function decryptFlat(
  b: RistrettoBackend,
  x: Uint8Array,
  ciphertexts: Uint8Array,
  offset = 0,
): Uint8Array {
  const out = new Uint8Array(ciphertexts.length / 2);
  const failed = b.decrypt(out, x, ciphertexts);
  if (failed >= 0) throw partError(b, ciphertexts, failed, offset);
  return out;
}
