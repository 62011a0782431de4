/**
 * @kruispunt/audit-chain — pure logic of the hash-chained, signed audit log.
 * The audit service stores entries and checkpoints in PostgreSQL; everything
 * needed to build and check them lives here so auditors can verify offline.
 */
export { appendToChain } from "./append";
export { checkpointEncoding, signCheckpoint, verifyCheckpoint } from "./checkpoint";
export { canonicalEncoding, entryHash, GENESIS_HASH, isSha256Hex } from "./hash";
export type {
  AuditEvent,
  ChainEntry,
  Checkpoint,
  SignedCheckpoint,
  VerifyFailure,
  VerifyResult,
} from "./types";
export { type VerifyOptions, verifyChain } from "./verify";
