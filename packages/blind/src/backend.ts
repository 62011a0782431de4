/**
 * The two implementations of the ristretto255 batch operations @kruispunt/blind runs on.
 * Both are libsodium (RFC 9496 ristretto255); they differ only in how it is reached:
 *
 * - `native`: native/ristretto255.c, a thin Node-API binding over the system libsodium
 *   (Debian libsodium-dev >= 1.0.18), built by this package's install script. One call
 *   handles a whole batch, so JavaScript↔C is crossed once per batch.
 * - `wasm`: libsodium-wrappers-sumo (WebAssembly), one call per element. Always there;
 *   the fallback when the native build is absent.
 *
 * Every operation writes into a caller-allocated `out` and returns -1 on success, else
 * the index of the first failing element (for ciphertext inputs, of the failing 32-byte
 * part: 2·i for c1, 2·i + 1 for c2), so callers build one error for both backends.
 * Inputs are flat: n 32-byte elements/scalars back to back, or n 64-byte ciphertexts.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import libsodium from "libsodium-wrappers-sumo";

/** The backend names; `auto` picks native when it is built, else wasm. */
export type BlindBackendName = "native" | "wasm";

/** The batch operations, identical in meaning for both backends (see the module doc). */
export interface RistrettoBackend {
  readonly name: BlindBackendName;
  /** out[32n] = crypto_core_ristretto255_from_hash(uniform[64n]) per element. */
  fromHash(out: Uint8Array, uniform: Uint8Array): number;
  /** out[32n] = wide[64n] mod L per scalar; fails at the first zero result. */
  scalarReduce(out: Uint8Array, wide: Uint8Array): number;
  /** out[32] = scalar⁻¹ mod L; fails (0) for zero. */
  scalarInvert(out: Uint8Array, scalar: Uint8Array): number;
  /** Index of the first of n 32-byte strings that is not a canonical point, or -1. */
  isValidPoint(points: Uint8Array): number;
  /** out[32n] = s·B per scalar (libsodium's fixed-base tables). */
  scalarMultBase(out: Uint8Array, scalars: Uint8Array): number;
  /** out[32n] = scalar·P per point. */
  scalarMult(out: Uint8Array, scalar: Uint8Array, points: Uint8Array): number;
  /** out[64n] = (r·B, M + r·PK) per (M, r). */
  encrypt(out: Uint8Array, pk: Uint8Array, m: Uint8Array, r: Uint8Array): number;
  /** out[64n] = (k·c1, k·c2) per ciphertext. */
  reshuffle(out: Uint8Array, k: Uint8Array, ciphertexts: Uint8Array): number;
  /** out[32n] = c2 − x·c1 per ciphertext. */
  decrypt(out: Uint8Array, x: Uint8Array, ciphertexts: Uint8Array): number;
}

const E = 32;

function at(bytes: Uint8Array, i: number, size = E): Uint8Array {
  return bytes.subarray(size * i, size * i + size);
}

/** Runs `step(i)` for i < n; returns the first i whose step threw, else -1. */
function each(n: number, step: (i: number) => void): number {
  for (let i = 0; i < n; i++) {
    try {
      step(i);
    } catch {
      return i;
    }
  }
  return -1;
}

/** The WebAssembly backend: libsodium-wrappers-sumo, one call per element. */
export function wasmBackend(): RistrettoBackend {
  const s = libsodium;
  return {
    name: "wasm",
    fromHash(out, uniform) {
      for (let i = 0; i < out.length / E; i++) {
        out.set(s.crypto_core_ristretto255_from_hash(at(uniform, i, 64)), E * i);
      }
      return -1;
    },
    scalarReduce(out, wide) {
      let failed = -1;
      for (let i = 0; i < out.length / E; i++) {
        const scalar = s.crypto_core_ristretto255_scalar_reduce(at(wide, i, 64));
        out.set(scalar, E * i);
        if (failed < 0 && scalar.every((b) => b === 0)) failed = i;
      }
      return failed;
    },
    scalarInvert(out, scalar) {
      return each(1, () => out.set(s.crypto_core_ristretto255_scalar_invert(scalar)));
    },
    isValidPoint(points) {
      for (let i = 0; i < points.length / E; i++) {
        if (!s.crypto_core_ristretto255_is_valid_point(at(points, i))) return i;
      }
      return -1;
    },
    scalarMultBase(out, scalars) {
      return each(out.length / E, (i) =>
        out.set(s.crypto_scalarmult_ristretto255_base(at(scalars, i)), E * i),
      );
    },
    scalarMult(out, scalar, points) {
      return each(out.length / E, (i) =>
        out.set(s.crypto_scalarmult_ristretto255(scalar, at(points, i)), E * i),
      );
    },
    encrypt(out, pk, m, r) {
      return each(m.length / E, (i) => {
        const ri = at(r, i);
        out.set(s.crypto_scalarmult_ristretto255_base(ri), 2 * E * i);
        const shared = s.crypto_scalarmult_ristretto255(ri, pk);
        out.set(s.crypto_core_ristretto255_add(at(m, i), shared), 2 * E * i + E);
      });
    },
    reshuffle(out, k, ciphertexts) {
      return each(ciphertexts.length / E, (part) =>
        out.set(s.crypto_scalarmult_ristretto255(k, at(ciphertexts, part)), E * part),
      );
    },
    decrypt(out, x, ciphertexts) {
      for (let i = 0; i < out.length / E; i++) {
        let shared: Uint8Array;
        try {
          shared = s.crypto_scalarmult_ristretto255(x, at(ciphertexts, 2 * i));
        } catch {
          return 2 * i;
        }
        try {
          out.set(s.crypto_core_ristretto255_sub(at(ciphertexts, 2 * i + 1), shared), E * i);
        } catch {
          return 2 * i + 1;
        }
      }
      return -1;
    },
  };
}

/** Where the install script puts the native build. */
export const NATIVE_ADDON_PATH = fileURLToPath(
  new URL("../native/build/kruispunt_ristretto255.node", import.meta.url),
);

type NativeAddon = Omit<RistrettoBackend, "name">;

/** The native backend, or null when it is not built (or does not load here). */
export function nativeBackend(): RistrettoBackend | null {
  if (!existsSync(NATIVE_ADDON_PATH)) return null;
  try {
    const addon = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
    return { ...addon, name: "native" };
  } catch {
    return null;
  }
}

/** Resolves once libsodium-wrappers-sumo's WebAssembly is loaded. */
export async function wasmReady(): Promise<void> {
  await libsodium.ready;
}
