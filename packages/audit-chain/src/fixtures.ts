/**
 * Deterministic test fixtures shared by this package's tests (not exported from
 * the package): sample events and chains built from them.
 */
import { appendToChain } from "./append";
import type { AuditEvent, ChainEntry } from "./types";

/**
 * The i-th sample event (i ≥ 1): fields vary with i so that no two events hash
 * alike, and the event ids are fixed UUID-shaped strings.
 */
export function sampleEvent(i: number): AuditEvent {
  return {
    eventId: `00000000-0000-4000-8000-${i.toString().padStart(12, "0")}`,
    occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    service: i % 2 === 0 ? "linker" : "intake",
    actor: i % 2 === 0 ? "linker" : "agency-alpha",
    role: i % 2 === 0 ? "service" : "agency",
    action: i % 2 === 0 ? "link.decision" : "intake.upload",
    object: "alpha/persons",
    reference: i % 3 === 0 ? `decision:d-${i}` : null,
    counts: { rows: i * 10 },
    details: { batch: i, dryRun: false },
  };
}

/** A chain of sampleEvent(1..n), as an array (entry seq s is at index s − 1). */
export function buildChain(n: number): ChainEntry[] {
  const chain: ChainEntry[] = [];
  let head: ChainEntry | null = null;
  for (let i = 1; i <= n; i++) {
    head = appendToChain(head, sampleEvent(i));
    chain.push(head);
  }
  return chain;
}

/** The entry with sequence number `seq` of `chain`; throws if absent (keeps tests strict-typed). */
export function at(chain: readonly ChainEntry[], seq: number): ChainEntry {
  const entry = chain[seq - 1];
  if (entry === undefined) throw new RangeError(`no entry ${seq}`);
  return entry;
}
