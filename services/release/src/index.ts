/**
 * @kruispunt/release as a library: the extract builder and its parts, for the
 * end-to-end tests and the release benchmark (the service itself starts in main.ts).
 */
export { buildCodebook } from "./codebook";
export { CsvSink, type DeliveredFile, EncryptedFile, extractKeyFor, ParquetSink } from "./delivery";
export { buildExtract, type ExtractOptions, type ExtractResult } from "./extract";
export { storeExtractMembers } from "./extract-members";
export { type ProjectSpec, projectSpecSchema } from "./project";
