/**
 * Writes kernel.wasm from kernel.wat: `pnpm --filter @kruispunt/dice run build:kernel`.
 * Run it after editing kernel.wat and commit both files (kernel.test.ts checks they match).
 */
import { writeFileSync } from "node:fs";
import { compileKernel } from "./compile-kernel";
import { KERNEL_WASM_URL } from "./wasm";

const bytes = await compileKernel();
writeFileSync(KERNEL_WASM_URL, bytes);
console.log(`kernel.wasm: ${bytes.length} bytes`);
