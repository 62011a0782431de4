/**
 * @kruispunt/synthetic: synthetic Belgian persons for scale tests and benchmarks —
 * valid INSZ numbers, names, birth dates, addresses and content variables, streamed
 * to CSV or NDJSON in bounded memory, deterministic from a seed, optionally as two
 * agencies' files with typo-laden copies of the same persons for linkage.
 */
export * from "./belgium";
export * from "./contract";
export * from "./generate";
export * from "./person";
export * from "./rng";
export * from "./typos";
export * from "./write";
