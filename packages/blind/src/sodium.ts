/**
 * Start-up and backend choice for this package. {@link blindReady} loads libsodium
 * (WebAssembly -sumo build, always; the native binding when it is built, see backend.ts),
 * picks the backend and readies @kruispunt/crypto, whose HMAC the linkage pseudonym uses.
 *
 * The backend is `KRUISPUNT_BLIND_BACKEND` (`auto` | `native` | `wasm`, default `auto`:
 * native when built, else wasm), or the `backend` option. Both backends compute the same
 * bytes (the RFC 9497 vectors and the property tests run on each).
 */
import { cryptoReady } from "@kruispunt/crypto";
import libsodium from "libsodium-wrappers-sumo";
import {
  type BlindBackendName,
  nativeBackend,
  type RistrettoBackend,
  wasmBackend,
  wasmReady,
} from "./backend";
import { BlindError, BlindErrorCode } from "./errors";

let active: RistrettoBackend | null = null;
let native: RistrettoBackend | null | undefined;

/** The native backend if it is built and loads, else null (cached). */
function loadNative(): RistrettoBackend | null {
  if (native === undefined) native = nativeBackend();
  return native;
}

/** The backends that load on this machine, fastest first. */
export function availableBlindBackends(): BlindBackendName[] {
  return loadNative() ? ["native", "wasm"] : ["wasm"];
}

/**
 * Resolves once libsodium is loaded and a backend is chosen. Safe to call repeatedly;
 * an explicit `backend` switches the active one.
 *
 * @throws BlindError `KRP_ERR_BLIND_BAD_INPUT` if `native` is asked for but not built,
 *   or the name is unknown.
 */
export async function blindReady(options: { backend?: string } = {}): Promise<void> {
  await wasmReady();
  await cryptoReady();
  const wanted = options.backend ?? process.env.KRUISPUNT_BLIND_BACKEND ?? "auto";
  if (wanted === "wasm") active = wasmBackend();
  else if (wanted === "native" || wanted === "auto") {
    const built = loadNative();
    if (!built && wanted === "native") {
      throw new BlindError(
        BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT,
        "the native ristretto255 backend is not built (apt-get install libsodium-dev, then pnpm install)",
      );
    }
    active = built ?? wasmBackend();
  } else {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT,
      "KRUISPUNT_BLIND_BACKEND must be auto, native or wasm",
    );
  }
}

/** The active backend, or a `BlindError` if {@link blindReady} has not completed. */
export function backend(): RistrettoBackend {
  if (!active) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT,
      "libsodium is not initialised: await blindReady() before using @kruispunt/blind",
    );
  }
  return active;
}

/** The name of the active backend (`native` or `wasm`). */
export function blindBackendName(): BlindBackendName {
  return backend().name;
}

/** The libsodium-wrappers-sumo API (for what the backends do not cover), once ready. */
export function sodium(): typeof libsodium {
  backend();
  return libsodium;
}
