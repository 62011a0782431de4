/**
 * Byte helpers: UTF-8, hex, and the domain-separated message layout.
 */
import { CryptoError, CryptoErrorCode } from "./errors";

const utf8 = new TextEncoder();
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;

/** UTF-8 encoding of a string (lone surrogates become U+FFFD, per the WHATWG encoder). */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/** Lowercase hex of `bytes`, two characters per byte. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
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

/** Throws `KRP_ERR_BAD_KEY` unless `key` is a Uint8Array of exactly `length` bytes. */
export function requireKeyLength(key: Uint8Array, length: number, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== length) {
    throw new CryptoError(CryptoErrorCode.KRP_ERR_BAD_KEY, `${what} must be ${length} bytes`);
  }
}
