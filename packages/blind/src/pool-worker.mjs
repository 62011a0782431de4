// Entry of a @kruispunt/blind pool worker. Worker threads do not inherit a TypeScript
// loader under every runner (vitest, plain node), so this plain module registers tsx's
// ESM hooks in the worker, then loads the TypeScript worker body.
import { register } from "tsx/esm/api";

register();
await import("./pool-worker-main.ts");
