/**
 * libsodium (-sumo build: the ristretto255 functions are not in the standard build) for
 * this package. @kruispunt/crypto keeps its handle private, so this package has its own
 * readiness gate; {@link blindReady} also readies @kruispunt/crypto, whose HMAC the
 * linkage pseudonym uses.
 */
import { cryptoReady } from "@kruispunt/crypto";
import libsodium from "libsodium-wrappers-sumo";
import { BlindError, BlindErrorCode } from "./errors";

let isReady = false;

/** Resolves once libsodium is loaded (await it once at start-up). Safe to call repeatedly. */
export async function blindReady(): Promise<void> {
  await libsodium.ready;
  await cryptoReady();
  isReady = true;
}

/** The libsodium API, or a `BlindError` if {@link blindReady} has not completed. */
export function sodium(): typeof libsodium {
  if (!isReady) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT,
      "libsodium is not initialised: await blindReady() before using @kruispunt/blind",
    );
  }
  return libsodium;
}
