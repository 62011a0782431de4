/**
 * Entry hashing. Each entry's hash commits to its predecessor's hash, its
 * position and its content, so changing, removing or reordering any entry
 * changes every later hash (a hash chain as in Haber & Stornetta 1991 and
 * Schneier & Kelsey's secure audit logs, 1999).
 *
 * The content is serialised with the JSON Canonicalization Scheme (RFC 8785,
 * via json-canonicalize) so that any implementation — the PostgreSQL-backed
 * audit service, an auditor's Python script — gets byte-identical input.
 */
import { createHash } from "node:crypto";
import { canonicalizeEx } from "json-canonicalize";
import type { AuditEvent } from "./types";

/** prevHash of entry 1: 64 zeros (SHA-256 size, lowercase hex). */
export const GENESIS_HASH = "0".repeat(64);

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** True iff `s` is a lowercase-hex SHA-256 digest (64 characters). */
export function isSha256Hex(s: unknown): s is string {
  return typeof s === "string" && HEX_SHA256.test(s);
}

/**
 * Exactly the ten AuditEvent fields of `e`, taken by name, so a ChainEntry or a
 * database row passed as `e` cannot carry prevHash, hash or anything else into what
 * is hashed or chained.
 */
export function eventFields(e: AuditEvent): AuditEvent {
  return {
    eventId: e.eventId,
    occurredAt: e.occurredAt,
    service: e.service,
    actor: e.actor,
    role: e.role,
    action: e.action,
    object: e.object,
    reference: e.reference,
    counts: e.counts,
    details: e.details,
  };
}

/**
 * RFC 8785 (JCS) serialisation of `{seq, ...event}`.
 *
 * Only the ten AuditEvent fields are taken, by name: a ChainEntry or a database
 * row passed in carries prevHash/hash/other columns that must not feed its own
 * hash. Throws Error if a field is undefined or a number is not finite (NaN,
 * Infinity): such a value has no JSON form, and silently dropping it would make
 * the hash unreproducible from the stored row. Throws RangeError if `seq` is not
 * a positive safe integer.
 */
export function canonicalEncoding(e: AuditEvent, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`seq must be a positive integer, got ${seq}`);
  }
  return canonicalizeEx({ seq, ...eventFields(e) }, { strictUndefined: true });
}

/**
 * Hash of the entry at `seq`: lowercase hex of
 * SHA-256(UTF-8(prevHash) || 0x0a || UTF-8(canonicalEncoding(e, seq))).
 * The newline separator keeps the fixed-length hex prefix visibly apart from the
 * JSON, which makes the input easy to rebuild by hand when auditing.
 * Throws RangeError if `prevHash` is not 64 lowercase hex characters, and
 * whatever canonicalEncoding throws.
 */
export function entryHash(prevHash: string, e: AuditEvent, seq: number): string {
  if (!isSha256Hex(prevHash)) {
    throw new RangeError("prevHash must be 64 lowercase hex characters");
  }
  return createHash("sha256")
    .update(prevHash, "utf8")
    .update("\n", "utf8")
    .update(canonicalEncoding(e, seq), "utf8")
    .digest("hex");
}
