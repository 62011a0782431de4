/**
 * A small pool of worker threads that spreads each blind-mode batch over the machine's
 * cores: the batch is cut into one contiguous chunk per worker, each worker runs the same
 * step (batch.ts) on its chunk with the same backend, and the results are joined in order.
 * The protocol is unchanged (fresh r per identifier, k on both parts, c2 − x·c1); only
 * where the arithmetic runs differs. Errors are the synchronous API's, with indices into
 * the whole batch; when several chunks fail, the lowest index is reported.
 *
 * Keys travel to the workers with each request (32 bytes, same process); chunks are
 * transferred, not copied, on the way back.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { BlindBackendName } from "./backend";
import {
  blindPseudonymOfElement,
  CIPHERTEXT_BYTES,
  joinCiphertexts,
  requireLinkerPublicKey,
  type SchemeIdentifier,
  splitCiphertexts,
} from "./elgamal";
import { BlindError, type BlindErrorCode } from "./errors";
import { ELEMENT_BYTES, requireScalar } from "./group";
import { blindBackendName } from "./sodium";

type Op = "encrypt" | "reshuffle" | "decrypt";
interface Reply {
  id: number;
  out?: Uint8Array;
  error?: { code: BlindErrorCode; message: string };
}

/** Worker threads running the blind batch steps; `close()` it when done. */
export class BlindWorkerPool {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (out: Uint8Array) => void; reject: (e: Error) => void }
  >();

  private constructor(
    private readonly workers: Worker[],
    /** The backend every worker runs. */
    readonly backend: BlindBackendName,
  ) {
    for (const w of workers) {
      w.on("message", (reply: Reply) => this.settle(reply));
      w.on("error", (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
    }
  }

  /**
   * Starts `size` workers (default: the machine's available parallelism) on `backend`
   * (default: the active one; call `blindReady()` first). Resolves once all have loaded.
   */
  static async start(
    options: { size?: number; backend?: BlindBackendName } = {},
  ): Promise<BlindWorkerPool> {
    const size = Math.max(1, options.size ?? availableParallelism());
    const backend = options.backend ?? blindBackendName();
    const workers = Array.from(
      { length: size },
      () =>
        new Worker(new URL("./pool-worker.mjs", import.meta.url), {
          workerData: { backend },
          execArgv: [],
        }),
    );
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once("message", () => resolve());
            w.once("error", reject);
          }),
      ),
    );
    return new BlindWorkerPool(workers, backend);
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** Stops the workers; pending requests are rejected. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new Error("blind worker pool closed"));
    this.pending.clear();
  }

  private settle(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.error) p.reject(new BlindError(reply.error.code, reply.error.message));
    else p.resolve(reply.out as Uint8Array);
  }

  private run(
    op: Op,
    key: Uint8Array,
    input: Uint8Array | readonly SchemeIdentifier[],
    offset: number,
    w: Worker,
  ) {
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const transfer = input instanceof Uint8Array ? [input.buffer as ArrayBuffer] : [];
      w.postMessage({ id, op, key, input, offset }, transfer);
    });
  }

  /**
   * Runs `op` over `count` records, one contiguous chunk per worker, and joins the
   * outputs (`outBytes` per record) in order. `flat` is either `inBytes` bytes per record
   * or (encrypt) the identifiers themselves, hashed in the workers.
   */
  private async spread(
    op: Op,
    key: Uint8Array,
    flat: Uint8Array | readonly SchemeIdentifier[],
    count: number,
    inBytes: number,
    outBytes: number,
  ): Promise<Uint8Array> {
    const chunk = Math.ceil(count / this.workers.length);
    const jobs: Promise<Uint8Array>[] = [];
    for (let start = 0, w = 0; start < count; start += chunk, w++) {
      const end = Math.min(count, start + chunk);
      // slice() copies a byte chunk into its own buffer so it can be transferred.
      const input =
        flat instanceof Uint8Array
          ? flat.slice(inBytes * start, inBytes * end)
          : flat.slice(start, end);
      jobs.push(this.run(op, key, input, start, this.workers[w] as Worker));
    }
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const out = new Uint8Array(outBytes * count);
    let at = 0;
    for (const s of settled as PromiseFulfilledResult<Uint8Array>[]) {
      out.set(s.value, at);
      at += s.value.length;
    }
    return out;
  }

  /** `encryptIdentifiers` (elgamal.ts) spread over the workers: same result shape and errors. */
  async encryptIdentifiers(
    linkerPublicKey: Uint8Array,
    identifiers: readonly SchemeIdentifier[],
  ): Promise<Uint8Array[]> {
    requireLinkerPublicKey(linkerPublicKey);
    const n = identifiers.length;
    return splitCiphertexts(
      await this.spread("encrypt", linkerPublicKey, identifiers, n, 0, CIPHERTEXT_BYTES),
    );
  }

  /** `reshuffleCiphertexts` (elgamal.ts) spread over the workers. */
  async reshuffleCiphertexts(
    k: Uint8Array,
    ciphertexts: readonly Uint8Array[],
  ): Promise<Uint8Array[]> {
    requireScalar(k, "reshuffle scalar");
    const flat = joinCiphertexts(ciphertexts);
    const n = ciphertexts.length;
    return splitCiphertexts(
      await this.spread("reshuffle", k, flat, n, CIPHERTEXT_BYTES, CIPHERTEXT_BYTES),
    );
  }

  /** `decryptCiphertexts` (elgamal.ts) spread over the workers: k·M per ciphertext. */
  async decryptCiphertexts(
    x: Uint8Array,
    ciphertexts: readonly Uint8Array[],
  ): Promise<Uint8Array[]> {
    requireScalar(x, "linker secret key");
    const flat = joinCiphertexts(ciphertexts);
    const n = ciphertexts.length;
    const out = await this.spread("decrypt", x, flat, n, CIPHERTEXT_BYTES, ELEMENT_BYTES);
    return Array.from({ length: n }, (_, i) =>
      out.subarray(ELEMENT_BYTES * i, ELEMENT_BYTES * i + ELEMENT_BYTES),
    );
  }

  /** `blindLinkagePseudonyms` (elgamal.ts): decrypt in the workers, HMAC here. */
  async blindLinkagePseudonyms(
    x: Uint8Array,
    linkageKey: Uint8Array,
    ciphertexts: readonly Uint8Array[],
  ): Promise<string[]> {
    const elements = await this.decryptCiphertexts(x, ciphertexts);
    return elements.map((e) => blindPseudonymOfElement(linkageKey, e));
  }
}
