/**
 * Shapes of the audit log. An AuditEvent is what a service emits; a ChainEntry is
 * that event once the audit service has numbered it and linked it to its
 * predecessor by hash. Events describe actions on pseudonymised data and must
 * NEVER carry a raw identifier (national number, name, address): the log is kept
 * for years and read by auditors who are not entitled to identities.
 */

/** One audited action, as emitted by a service. */
export interface AuditEvent {
  /** UUID chosen by the emitter; the store keys on it so a retried emit appends once. */
  eventId: string;
  /** ISO-8601 UTC timestamp of the action. */
  occurredAt: string;
  /** Emitting service: "intake" | "pseudonymiser" | "linker" | "release" | "audit". */
  service: string;
  /** JWT subject, or the service name for machine actions. */
  actor: string;
  /** "agency" | "researcher" | "committee" | "auditor" | "service". */
  role: string;
  /** Dotted verb, e.g. "intake.upload", "link.decision", "release.extract". */
  action: string;
  /** What the action touched, e.g. "alpha/persons", "project:p-1". */
  object: string;
  /** Approval or decision reference the action relied on, if any. */
  reference: string | null;
  /** Named counts (rows, pairs, …); finite numbers only, or the event cannot be hashed. */
  counts: Record<string, number>;
  /** Flat, JSON-safe extra context. */
  details: Record<string, string | number | boolean | null>;
}

/** An event as stored in the chain: `seq` counts from 1; hashes are lowercase hex SHA-256. */
export interface ChainEntry extends AuditEvent {
  seq: number;
  /** `hash` of entry seq − 1, or GENESIS_HASH for seq 1. */
  prevHash: string;
  /** entryHash(prevHash, event, seq). */
  hash: string;
}

/** A statement "the chain had this hash at this seq", made by the audit service at `signedAt`. */
export interface Checkpoint {
  seq: number;
  hash: string;
  /** ISO-8601 UTC. */
  signedAt: string;
  /** Which audit-service signing key was used, so old checkpoints stay verifiable after rotation. */
  keyVersion: number;
}

/** A Checkpoint with a lowercase-hex Ed25519 detached signature over checkpointEncoding(cp). */
export interface SignedCheckpoint extends Checkpoint {
  signature: string;
}

/** Why verification stopped; see verifyChain. */
export type VerifyFailure =
  | "hash-mismatch"
  | "prev-hash-mismatch"
  | "sequence-gap"
  | "checkpoint-mismatch"
  | "checkpoint-beyond-head"
  | "bad-signature";

/**
 * Outcome of verifyChain. `count` is the number of entries that verified before
 * the verifier stopped; `head` is what to pass to appendToChain next.
 */
export type VerifyResult =
  | { ok: true; count: number; head: { seq: number; hash: string } | null }
  | { ok: false; count: number; firstBad: { seq: number; reason: VerifyFailure } };
