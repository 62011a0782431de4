/**
 * The one place that touches libsodium's readiness. libsodium-wrappers loads a
 * WebAssembly module asynchronously; calling into it before `ready` resolves fails in
 * confusing ways, so every function goes through {@link sodium} which fails clearly.
 */
import libsodium from "libsodium-wrappers-sumo";
import { CryptoError, CryptoErrorCode } from "./errors";

let isReady = false;

/**
 * Resolves once libsodium is loaded. Await it once at start-up (and in test `beforeAll`);
 * every other function of this package assumes it was awaited. Safe to call repeatedly.
 */
export async function cryptoReady(): Promise<void> {
  await libsodium.ready;
  isReady = true;
}

/**
 * The libsodium API, or a `CryptoError` (`KRP_ERR_CRYPTO_NOT_READY`) if
 * {@link cryptoReady} has not completed.
 */
export function sodium(): typeof libsodium {
  if (!isReady) {
    throw new CryptoError(
      CryptoErrorCode.KRP_ERR_CRYPTO_NOT_READY,
      "libsodium is not initialised: await cryptoReady() before using @kruispunt/crypto",
    );
  }
  return libsodium;
}
