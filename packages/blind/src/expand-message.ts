/**
 * expand_message_xmd with SHA-512 (RFC 9380 section 5.3.1), the hash-to-field step of
 * RFC 9497's HashToGroup and HashToScalar for ristretto255-SHA512.
 */
import { createHash } from "node:crypto";
import { BlindError, BlindErrorCode } from "./errors";

/** SHA-512 output size b_in_bytes. */
const B_IN_BYTES = 64;
/** SHA-512 input block size s_in_bytes (Z_pad length). */
const S_IN_BYTES = 128;
const Z_PAD = new Uint8Array(S_IN_BYTES);

function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest().buffer, 0, B_IN_BYTES);
}

/**
 * `len` uniformly distributed bytes from `msg` under the domain separation tag `dst`.
 *
 * @param msg any bytes.
 * @param dst 1..255 bytes (RFC 9380 section 5.3.3's oversize-DST hashing is not needed here).
 * @param len 1..65535 bytes with ceil(len / 64) <= 255.
 * @throws BlindError `KRP_ERR_BLIND_BAD_INPUT` if `dst` or `len` is out of range.
 */
export function expandMessageXmdSha512(msg: Uint8Array, dst: Uint8Array, len: number): Uint8Array {
  const ell = Math.ceil(len / B_IN_BYTES);
  if (!Number.isInteger(len) || len < 1 || len > 65535 || ell > 255) {
    throw new BlindError(BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT, "expand_message_xmd: bad length");
  }
  if (dst.length < 1 || dst.length > 255) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT,
      "expand_message_xmd: DST must be 1..255 bytes",
    );
  }
  const dstPrime = new Uint8Array(dst.length + 1);
  dstPrime.set(dst, 0);
  dstPrime[dst.length] = dst.length;
  const lenAndZero = Uint8Array.of((len >> 8) & 0xff, len & 0xff, 0);
  const b0 = sha512(Z_PAD, msg, lenAndZero, dstPrime);
  const out = new Uint8Array(ell * B_IN_BYTES);
  let previous = sha512(b0, Uint8Array.of(1), dstPrime);
  out.set(previous, 0);
  for (let i = 2; i <= ell; i++) {
    const mixed = new Uint8Array(B_IN_BYTES);
    for (let j = 0; j < B_IN_BYTES; j++) mixed[j] = (b0[j] as number) ^ (previous[j] as number);
    previous = sha512(mixed, Uint8Array.of(i), dstPrime);
    out.set(previous, (i - 1) * B_IN_BYTES);
  }
  return out.subarray(0, len);
}
