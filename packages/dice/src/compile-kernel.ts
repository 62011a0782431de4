/**
 * Compiles kernel.wat to WebAssembly bytes with wabt (the WebAssembly Binary Toolkit's
 * JavaScript build). Used by build-kernel.ts to write kernel.wasm, and by kernel.test.ts to
 * check that the committed kernel.wasm is exactly what kernel.wat says. Never at run time:
 * the library loads the committed bytes, so wabt stays a development dependency.
 */
import { readFileSync } from "node:fs";
import wabt from "wabt";

/** Path of the kernel's WebAssembly text (WAT) source. */
export const KERNEL_WAT_URL = new URL("./kernel.wat", import.meta.url);

/** The bytes wabt 1.0.39 produces for kernel.wat (no debug names, canonical LEBs). */
export async function compileKernel(): Promise<Uint8Array> {
  const toolkit = await wabt();
  const module = toolkit.parseWat("kernel.wat", readFileSync(KERNEL_WAT_URL, "utf8"));
  try {
    module.validate();
    return module.toBinary({ canonicalize_lebs: true, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}
