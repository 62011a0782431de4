/** Building the next chain entry from the current head. */
import { entryHash, eventFields, GENESIS_HASH, isSha256Hex } from "./hash";
import type { AuditEvent, ChainEntry } from "./types";

/**
 * The entry that follows `head` (null = empty chain: the entry gets seq 1 and
 * prevHash GENESIS_HASH). Pure: storing it, and refusing a second append of the
 * same eventId (idempotency), is the audit service's job. The returned entry
 * holds copies of the event's fields — never extra properties of `e` — and of its
 * counts/details objects, so later mutation of `e` cannot desynchronise the hash.
 * Throws RangeError if head.seq is not a non-negative integer or head.hash is not
 * lowercase hex SHA-256, and Error for an event that cannot be canonicalised.
 */
export function appendToChain(
  head: { seq: number; hash: string } | null,
  e: AuditEvent,
): ChainEntry {
  if (head !== null) {
    if (!Number.isSafeInteger(head.seq) || head.seq < 0) {
      throw new RangeError(`head.seq must be a non-negative integer, got ${head.seq}`);
    }
    if (!isSha256Hex(head.hash)) {
      throw new RangeError("head.hash must be 64 lowercase hex characters");
    }
  }
  const seq = head === null ? 1 : head.seq + 1;
  const prevHash = head === null ? GENESIS_HASH : head.hash;
  // Copies, so a later change to the caller's objects cannot alter a chained entry.
  const picked = eventFields(e);
  const event: AuditEvent = {
    ...picked,
    counts: { ...picked.counts },
    details: { ...picked.details },
  };
  return { ...event, seq, prevHash, hash: entryHash(prevHash, event, seq) };
}
