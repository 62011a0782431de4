import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileKernel } from "./compile-kernel";
import { KERNEL_WASM_URL, wasmApi } from "./wasm";

describe("kernel.wasm", () => {
  it("is exactly what wabt compiles from kernel.wat (run build:kernel after editing the .wat)", async () => {
    const committed = new Uint8Array(readFileSync(KERNEL_WASM_URL));
    expect(Buffer.from(await compileKernel()).toString("hex")).toBe(
      Buffer.from(committed).toString("hex"),
    );
  });

  it("uses i64.popcnt (opcode 0x7b) and nothing it imports", () => {
    const module = new wasmApi.Module(readFileSync(KERNEL_WASM_URL));
    expect(wasmApi.Module.imports(module)).toEqual([]);
    expect(wasmApi.Module.exports(module).map((e) => e.name)).toEqual([
      "memory",
      "popcount",
      "dice_batch",
    ]);
    expect(readFileSync(KERNEL_WASM_URL).includes(0x7b)).toBe(true);
  });
});
