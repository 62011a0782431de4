/**
 * Bench-local prototypes of a faster `linkagePseudonym` (packages/crypto), used only by
 * `bench:pseudonymise` with BENCH_BREAKDOWN=1 to show what a fix would buy. Nothing in
 * the services uses them. Both return exactly what `linkagePseudonym` returns (the
 * benchmark checks that before timing).
 *
 * - `prototypeOneShot`: public libsodium API only. One `TextEncoder.encodeInto` of
 *   `scheme || 0x00 || canonical` into a reused buffer (instead of two
 *   `TextEncoder.encode` calls plus a copy), the one-shot `crypto_auth_hmacsha256`
 *   (instead of init/update/final: one wrapper call, fewer wasm mallocs), hex by table.
 * - `PrecomputedHmac`: the HMAC key's inner/outer pads hashed once per key
 *   (`crypto_auth_hmacsha256_init`), then per identifier a 208-byte copy of that state
 *   inside the wasm heap and the raw `_crypto_auth_hmacsha256_update/_final` exports:
 *   no malloc, no copy of the key, and 2 SHA-256 compressions instead of 4.
 *   Uses libsodium's low-level module (`sodium.libsodium`), which the wrappers expose
 *   but do not document.
 */
import sodium from "libsodium-wrappers-sumo";

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, "0"),
);
const encoder = new TextEncoder();
let scratch = new Uint8Array(1024);

function hex(bytes: Uint8Array, from = 0, length = bytes.length): string {
  let out = "";
  for (let i = from; i < from + length; i++) out += HEX[bytes[i] as number];
  return out;
}

function checkScheme(scheme: string): void {
  if (scheme === "" || scheme.includes("\u0000")) throw new Error("bad scheme name");
}

/** Public-API prototype (see file comment). */
export function prototypeOneShot(key: Uint8Array, scheme: string, canonical: string): string {
  if (key.length !== 32) throw new Error("linkage key must be 32 bytes");
  checkScheme(scheme);
  const text = `${scheme}\u0000${canonical}`;
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return hex(sodium.crypto_auth_hmacsha256(scratch.subarray(0, written), key));
}

/** The parts of the Emscripten module behind libsodium-wrappers that the prototype uses. */
interface SodiumModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _crypto_auth_hmacsha256_update(state: number, message: number, length: number): number;
  _crypto_auth_hmacsha256_final(state: number, out: number): number;
}

const STATE_BYTES = 208;
const MESSAGE_BYTES = 1024;

/** Precomputed-key prototype (see file comment). One instance per linkage key. */
export class PrecomputedHmac {
  private readonly module: SodiumModule;
  private readonly keyed: number;
  private readonly work: number;
  private readonly message: number;
  private readonly out: number;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new Error("linkage key must be 32 bytes");
    this.module = (sodium as unknown as { libsodium: SodiumModule }).libsodium;
    this.keyed = sodium.crypto_auth_hmacsha256_init(key) as unknown as number;
    this.work = this.module._malloc(STATE_BYTES);
    this.message = this.module._malloc(MESSAGE_BYTES);
    this.out = this.module._malloc(32);
  }

  pseudonym(scheme: string, canonical: string): string {
    checkScheme(scheme);
    const text = `${scheme}\u0000${canonical}`;
    if (text.length * 3 > MESSAGE_BYTES) throw new Error("identifier too long for the prototype");
    // Re-read HEAPU8 each call: it is replaced whenever the wasm memory grows.
    const heap = this.module.HEAPU8;
    heap.copyWithin(this.work, this.keyed, this.keyed + STATE_BYTES);
    const { written } = encoder.encodeInto(
      text,
      heap.subarray(this.message, this.message + MESSAGE_BYTES),
    );
    this.module._crypto_auth_hmacsha256_update(this.work, this.message, written);
    this.module._crypto_auth_hmacsha256_final(this.work, this.out);
    return hex(this.module.HEAPU8, this.out, 32);
  }
}
