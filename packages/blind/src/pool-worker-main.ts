/**
 * Body of a pool worker (pool.ts): runs one batch step on a chunk with the backend it was
 * started with and posts the flat result back (transferred, not copied). A BlindError is
 * sent as { code, message }; the message names the record by its index in the caller's
 * batch, never by content.
 */
import { parentPort, workerData } from "node:worker_threads";
import { decryptFlat, encryptFlat, reshuffleFlat } from "./batch";
import { identifierUniformBytes, type SchemeIdentifier } from "./elgamal";
import { BlindError } from "./errors";
import { backend, blindReady } from "./sodium";

/** A request from the pool: one step on one chunk (identifiers for encrypt, else bytes). */
export interface PoolRequest {
  id: number;
  op: "encrypt" | "reshuffle" | "decrypt";
  key: Uint8Array;
  input: Uint8Array | SchemeIdentifier[];
  offset: number;
}

await blindReady({ backend: (workerData as { backend: string }).backend });
const port = parentPort;
if (!port) throw new Error("pool-worker-main runs only as a worker thread");

port.on("message", ({ id, op, key, input, offset }: PoolRequest) => {
  try {
    const b = backend();
    const out =
      op === "encrypt"
        ? encryptFlat(b, key, identifierUniformBytes(input as SchemeIdentifier[]))
        : op === "reshuffle"
          ? reshuffleFlat(b, key, input as Uint8Array, offset)
          : decryptFlat(b, key, input as Uint8Array, offset);
    port.postMessage({ id, out }, [out.buffer as ArrayBuffer]);
  } catch (e) {
    const error =
      e instanceof BlindError
        ? { code: e.code, message: e.message }
        : { code: "KRP_ERR_BLIND_BAD_INPUT", message: "blind pool worker failed" };
    port.postMessage({ id, error });
  }
});
port.postMessage({ ready: true });
