/**
 * @kruispunt/dice: the Dice coefficient of Bloom-filter encodings (CLKs), one pair at a
 * time (`dice`) or one query against many candidates (`createDiceBatch`), in plain
 * JavaScript or in a hand-written WebAssembly kernel with `i64.popcnt` (kernel.wat).
 * Encodings are `Uint32Array`s; see dice.ts for the definition.
 */
export { createDiceBatch, type DiceBackend, type DiceBatch } from "./batch";
export { dice, diceBatchJs } from "./dice";
export { DiceError, DiceErrorCode } from "./errors";
export { popcount, popcount32, popcounts } from "./popcount";
export { WasmDiceBatch, wasmPopcount } from "./wasm";
