/**
 * Byte helpers: UTF-8, hex, and the domain-separated message layout.
 */
import { CryptoError, CryptoErrorCode, SealOpenError } from "./errors";
import { sodium } from "./sodium";

const utf8 = new TextEncoder();
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;

/** UTF-8 encoding of a string (lone surrogates become U+FFFD, per the WHATWG encoder). */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes an opened sealed identifier as strict UTF-8, then wipes `plain` (the plaintext
 * should not outlive the string made from it).
 * @throws SealOpenError when the bytes are not valid UTF-8.
 */
export function decodeOpenedIdentifier(plain: Uint8Array): string {
  try {
    return strictUtf8.decode(plain);
  } catch {
    throw new SealOpenError("sealed identifier does not decode as UTF-8");
  } finally {
    sodium().memzero(plain);
  }
}

/** Byte arrays up to this length are converted to hex through the shared Buffer. */
const HEX_SCRATCH_BYTES = 1024;
const hexScratch = Buffer.alloc(HEX_SCRATCH_BYTES);

/**
 * Lowercase hex of `bytes`, two characters per byte.
 *
 * Copied into a reused Buffer rather than wrapped in a new one: for a 32-byte MAC,
 * creating the Buffer cost more than the conversion (a fifth of the pseudonymisation
 * path in bench:pseudonymise). Sharing it is safe: the copy and `toString` run
 * synchronously back to back, so no other call can write it in between.
 */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length > HEX_SCRATCH_BYTES) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  }
  hexScratch.set(bytes);
  return hexScratch.toString("hex", 0, bytes.length);
}

/**
 * Decodes lowercase hex. Throws `CryptoError` with `code` if the text has odd length or
 * any character outside `0-9a-f`; the message names `what` but never quotes the text,
 * which may be key material or a pseudonym.
 */
export function fromLowerHex(text: string, what: string, code: CryptoErrorCode): Uint8Array {
  if (!LOWER_HEX.test(text)) throw new CryptoError(code, `${what} is not lowercase hex`);
  return new Uint8Array(Buffer.from(text, "hex"));
}

/**
 * `label || 0x00 || data`: the layout of every keyed hash input in this package.
 *
 * The NUL separator makes the encoding injective as long as `label` itself holds no
 * NUL byte (callers check that), so inputs for different labels can never collide.
 */
export function labelled(label: string, data: Uint8Array): Uint8Array {
  const head = utf8Bytes(label);
  const out = new Uint8Array(head.length + 1 + data.length);
  out.set(head, 0);
  out[head.length] = 0x00;
  out.set(data, head.length + 1);
  return out;
}

/** Texts up to this many UTF-16 code units are encoded into the shared scratch buffer. */
const SCRATCH_TEXT_UNITS = 1024;
// UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2).
const scratch = new Uint8Array(3 * SCRATCH_TEXT_UNITS);

/**
 * `UTF-8(label) || 0x00 || UTF-8(text)`, i.e. `labelled(label, utf8Bytes(text))`, in one
 * `TextEncoder.encodeInto` call instead of two `encode` calls and a copy: the hot path
 * of every linkage pseudonym.
 *
 * Encoding `label + "\0" + text` as one string gives the same bytes as encoding the
 * parts: the NUL between them is a whole code point, so no surrogate pair can span it,
 * and a lone surrogate at either edge still becomes U+FFFD.
 *
 * The result is a view of a module-level buffer, valid only until the next call.
 * Reusing the buffer is safe because every caller passes the view straight to a
 * synchronous libsodium call, which copies it into wasm memory before returning; no
 * code runs in between (nothing here is async or re-entrant). Long texts get their
 * own array so a single huge input never pins a huge shared buffer.
 */
export function labelledTextView(label: string, text: string): Uint8Array {
  const joined = `${label}\u0000${text}`;
  if (joined.length > SCRATCH_TEXT_UNITS) return utf8.encode(joined);
  const { written } = utf8.encodeInto(joined, scratch);
  return scratch.subarray(0, written);
}

/** Throws `KRP_ERR_BAD_KEY` unless `key` is a Uint8Array of exactly `length` bytes. */
export function requireKeyLength(key: Uint8Array, length: number, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== length) {
    throw new CryptoError(CryptoErrorCode.KRP_ERR_BAD_KEY, `${what} must be ${length} bytes`);
  }
}
