/**
 * Dice scores of one query against many candidates in WebAssembly, with `i64.popcnt`
 * (kernel.wat; one x86 POPCNT per 64 bits instead of the dozen instructions of a SWAR
 * popcount). The candidates are copied once into the instance's own linear memory with
 * their popcounts, so each query costs one copy of the query in and of the scores out.
 *
 * The kernel reads two 64-bit words per step, so each record is padded with zero words to a
 * multiple of 128 bits in memory; zero words change neither popcounts nor intersections.
 * Bit order does not matter either: query and candidates are copied the same way.
 */
import { readFileSync } from "node:fs";
import { checkBatchShape, checkScoreRange } from "./dice";
import { DiceError, DiceErrorCode } from "./errors";
import { popcount, popcounts } from "./popcount";

/** Location of the committed kernel bytes (built from kernel.wat by build-kernel.ts). */
export const KERNEL_WASM_URL = new URL("./kernel.wasm", import.meta.url);

interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  popcount(ptr: number, words64: number): number;
  dice_batch(
    q: number,
    qpop: number,
    c: number,
    pops: number,
    n: number,
    words64: number,
    out: number,
  ): void;
}

/**
 * The parts of the WebAssembly JavaScript API used here: Node has them all, but our
 * tsconfig's lib (ES2023, no DOM) declares only the types, not the global values.
 */
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): WebAssembly.Module;
    imports(module: WebAssembly.Module): { module: string; name: string; kind: string }[];
    exports(module: WebAssembly.Module): { name: string; kind: string }[];
  };
  Instance: new (module: WebAssembly.Module, imports: object) => { exports: unknown };
}

/** Node's global `WebAssembly`, typed. */
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WebAssembly.Module | undefined;

/** The compiled kernel, compiled once per process (synchronously: it is ~300 bytes). */
function kernelModule(): WebAssembly.Module {
  compiled ??= new wasmApi.Module(readFileSync(KERNEL_WASM_URL));
  return compiled;
}

const PAGE = 65_536;

/**
 * A fixed set of `n` candidate encodings, ready to be scored against queries.
 * Build it with {@link WasmDiceBatch.create}.
 */
export class WasmDiceBatch {
  /** Popcount of each candidate. */
  readonly popcounts: Uint32Array;
  readonly #kernel: KernelExports;
  readonly #words32: number;
  readonly #stride32: number;
  readonly #query: Uint32Array;
  readonly #candidatesPtr: number;
  readonly #popsPtr: number;
  readonly #out: Float64Array;

  private constructor(candidates: Uint32Array, words32: number) {
    const n = candidates.length / words32;
    // Two 64-bit words per kernel step: pad each record to a multiple of 4 × 32 bits.
    const stride32 = Math.ceil(words32 / 4) * 4;
    const strideBytes = stride32 * 4;
    const candidatesPtr = strideBytes;
    const popsPtr = candidatesPtr + n * strideBytes;
    const outPtr = popsPtr + Math.ceil((n * 4) / 8) * 8;
    const bytes = outPtr + n * 8;
    const instance = new wasmApi.Instance(kernelModule(), {});
    const kernel = instance.exports as unknown as KernelExports;
    const have = kernel.memory.buffer.byteLength;
    if (bytes > have) kernel.memory.grow(Math.ceil((bytes - have) / PAGE));
    const buffer = kernel.memory.buffer;

    const memory32 = new Uint32Array(buffer, candidatesPtr, n * stride32);
    if (stride32 === words32) memory32.set(candidates);
    else {
      for (let r = 0; r < n; r++) {
        memory32.set(candidates.subarray(r * words32, (r + 1) * words32), r * stride32);
      }
    }
    this.popcounts = popcounts(candidates, words32);
    new Uint32Array(buffer, popsPtr, n).set(this.popcounts);

    this.#kernel = kernel;
    this.#words32 = words32;
    this.#stride32 = stride32;
    this.#query = new Uint32Array(buffer, 0, stride32);
    this.#candidatesPtr = candidatesPtr;
    this.#popsPtr = popsPtr;
    this.#out = new Float64Array(buffer, outPtr, n);
  }

  /**
   * Loads `candidates`: n records of `wordsPerRecord` 32-bit words each, one after the other.
   * @throws DiceError KRP_ERR_DICE_BAD_INPUT when the length is not a multiple of
   *   `wordsPerRecord`, or the candidates would not fit in 4 GiB of wasm memory.
   */
  static create(candidates: Uint32Array, wordsPerRecord: number): WasmDiceBatch {
    if (!Number.isInteger(wordsPerRecord) || wordsPerRecord <= 0) {
      throw new DiceError(DiceErrorCode.KRP_ERR_DICE_BAD_INPUT, "dice batch: empty records");
    }
    if (candidates.length % wordsPerRecord !== 0) {
      throw new DiceError(
        DiceErrorCode.KRP_ERR_DICE_LENGTH_MISMATCH,
        `dice batch: ${candidates.length} words are not whole records of ${wordsPerRecord} words`,
      );
    }
    const n = candidates.length / wordsPerRecord;
    const need = (n + 1) * Math.ceil(wordsPerRecord / 4) * 16 + n * 16;
    if (need > 2 ** 32 - PAGE) {
      throw new DiceError(
        DiceErrorCode.KRP_ERR_DICE_BAD_INPUT,
        `dice batch: ${n} candidates need ${need} bytes, over wasm's 4 GiB; split them`,
      );
    }
    return new WasmDiceBatch(candidates, wordsPerRecord);
  }

  /** Number of candidates. */
  get size(): number {
    return this.popcounts.length;
  }

  /**
   * Writes Dice(query, candidate `start + i`) to `out[i]` for i < `count` (default: all
   * candidates from `start`). `queryPopcount` may be passed when already known.
   * @throws DiceError KRP_ERR_DICE_LENGTH_MISMATCH when the query's length differs from
   *   the candidates'; KRP_ERR_DICE_BAD_INPUT when the range or `out` is too small.
   */
  score(
    query: Uint32Array,
    out: Float64Array,
    start = 0,
    count = this.size - start,
    queryPopcount = popcount(query),
  ): void {
    checkScoreRange(query, this.#words32, start, count, this.size);
    checkBatchShape(this.#words32, count * this.#words32, count, out.length);
    this.#query.set(query);
    this.#kernel.dice_batch(
      0,
      queryPopcount,
      this.#candidatesPtr + start * this.#stride32 * 4,
      this.#popsPtr + start * 4,
      count,
      this.#stride32 / 2,
      this.#out.byteOffset,
    );
    out.set(this.#out.subarray(0, count));
  }
}

/** Popcount of `words` computed by the kernel's `i64.popcnt` (for tests and the benchmark). */
export function wasmPopcount(words: Uint32Array): number {
  const kernel = new wasmApi.Instance(kernelModule(), {}).exports as unknown as KernelExports;
  const stride32 = Math.ceil(words.length / 2) * 2;
  const have = kernel.memory.buffer.byteLength;
  if (stride32 * 4 > have) kernel.memory.grow(Math.ceil((stride32 * 4 - have) / PAGE));
  new Uint32Array(kernel.memory.buffer, 0, words.length).set(words);
  return kernel.popcount(0, stride32 / 2);
}
