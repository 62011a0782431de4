/**
 * @kruispunt/audit as a library, for benchmarks and end-to-end tests: the chain
 * store (append under the writer lock, ordered reads, checkpoints), the writer-role
 * pool, and the linkage-log query. The service itself starts from main.ts.
 */
export { buildApp } from "./app";
export {
  appendEvents,
  checkpointHead,
  insertEntries,
  readCheckpoints,
  readEntries,
  rowToEntry,
  toAuditEvent,
} from "./chain-store";
export { CONSOLE_CSP } from "./console";
export { LINKAGE_LOG_LIMIT, type LinkageLog, readLinkageLog } from "./linkage-log";
export { AUDIT_WRITER_ROLE, writerPool, writerReady } from "./pool";
