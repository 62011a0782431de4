/**
 * The audit chain in PostgreSQL: appends events under an advisory lock (one writer
 * at a time, however many audit replicas run), reads entries back in order for
 * verification, and stores signed checkpoints of the chain head.
 */
import {
  type AuditEvent,
  appendToChain,
  type ChainEntry,
  type SignedCheckpoint,
  signCheckpoint,
} from "@kruispunt/audit-chain";
import type { AuditEventMessage } from "@kruispunt/contracts";
import type { Pool, PoolClient } from "@kruispunt/store";
import type { QueryResult } from "pg";

const LOCK_KEY = 7_405_221; // arbitrary constant naming the audit writer lock

/** Turns the Kafka message into the chain's event shape ("" reference → null). */
export function toAuditEvent(m: AuditEventMessage): AuditEvent {
  let details: AuditEvent["details"] = {};
  try {
    const parsed = JSON.parse(m.detailsJson || "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) details = parsed;
  } catch {
    details = { unparsableDetails: true };
  }
  return {
    eventId: m.eventId,
    occurredAt: m.occurredAt,
    service: m.service,
    actor: m.actor,
    role: m.role,
    action: m.action,
    object: m.object,
    reference: m.reference === "" ? null : m.reference,
    counts: m.counts,
    details,
  };
}

/**
 * Appends the events not yet in the chain (by eventId, also within `events`) in
 * their given order, inside the caller's transaction; returns how many were
 * appended. Takes the advisory writer lock first, so concurrent appenders (audit
 * replicas) queue instead of forking the chain, then reads the head, hashes each
 * new entry (appendToChain) and stores them all with ONE multi-row INSERT (arrays
 * unnested server-side), so a batch costs a fixed number of round trips.
 */
export async function appendEvents(client: PoolClient, events: AuditEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
  const known = await client.query<{ event_id: string }>(
    "SELECT event_id FROM audit.entries WHERE event_id = ANY($1::uuid[])",
    [events.map((e) => e.eventId)],
  );
  const seen = new Set(known.rows.map((r) => r.event_id));
  const headRow = await client.query<{ seq: string; hash: string }>(
    "SELECT seq, hash FROM audit.entries ORDER BY seq DESC LIMIT 1",
  );
  let head = headRow.rows[0]
    ? { seq: Number(headRow.rows[0].seq), hash: headRow.rows[0].hash }
    : null;
  const entries: ChainEntry[] = [];
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const entry = appendToChain(head, event);
    entries.push(entry);
    head = { seq: entry.seq, hash: entry.hash };
  }
  if (entries.length === 0) return 0;
  await insertEntries(client, entries);
  return entries.length;
}

/**
 * Stores already-chained entries with one multi-row INSERT (unnest of column
 * arrays). Used by appendEvents and by the benchmarks that build large chains.
 */
export async function insertEntries(
  client: Pick<PoolClient, "query">,
  entries: ChainEntry[],
): Promise<void> {
  const column = <K extends keyof ChainEntry>(key: K) => entries.map((e) => e[key]);
  await client.query(
    `INSERT INTO audit.entries (seq, event_id, occurred_at, service, actor, role, action, object, reference, counts, details, prev_hash, hash)
     SELECT seq, event_id, occurred_at, service, actor, role, action, object, reference, counts::jsonb, details::jsonb, prev_hash, hash
     FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
       AS e(seq, event_id, occurred_at, service, actor, role, action, object, reference, counts, details, prev_hash, hash)`,
    [
      column("seq"),
      column("eventId"),
      column("occurredAt"),
      column("service"),
      column("actor"),
      column("role"),
      column("action"),
      column("object"),
      column("reference"),
      entries.map((e) => JSON.stringify(e.counts)),
      entries.map((e) => JSON.stringify(e.details)),
      column("prevHash"),
      column("hash"),
    ],
  );
}

interface EntryRow {
  seq: string;
  event_id: string;
  occurred_at: string;
  service: string;
  actor: string;
  role: string;
  action: string;
  object: string;
  reference: string | null;
  counts: Record<string, number>;
  details: AuditEvent["details"];
  prev_hash: string;
  hash: string;
}

/** Maps a stored row back to the chain entry exactly as it was hashed. */
export function rowToEntry(r: EntryRow): ChainEntry {
  return {
    seq: Number(r.seq),
    eventId: r.event_id,
    occurredAt: r.occurred_at,
    service: r.service,
    actor: r.actor,
    role: r.role,
    action: r.action,
    object: r.object,
    reference: r.reference,
    counts: r.counts,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Rows per query of readEntries. */
const PAGE = 5000;

/**
 * Streams entries with fromSeq ≤ seq ≤ toSeq in seq order, PAGE rows per query
 * (keyset pagination on seq). The next page is requested as soon as the current
 * one arrives, so PostgreSQL reads it while the caller (verifyChain) hashes this
 * one; at most one query is in flight. Errors of a query propagate to the caller.
 */
export async function* readEntries(
  pool: Pool,
  fromSeq = 1,
  toSeq = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<ChainEntry> {
  const page = (after: number): Promise<QueryResult<EntryRow>> => {
    const query = pool.query<EntryRow>(
      "SELECT * FROM audit.entries WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
      [after, toSeq, PAGE],
    );
    query.catch(() => {}); // a prefetch the caller stopped waiting for must not be unhandled
    return query;
  };
  let next: Promise<QueryResult<EntryRow>> | null = page(fromSeq - 1);
  while (next) {
    const { rows }: QueryResult<EntryRow> = await next;
    const last = rows[rows.length - 1];
    next = rows.length === PAGE && last ? page(Number(last.seq)) : null;
    for (const r of rows) yield rowToEntry(r);
  }
}

/** All checkpoints, oldest first. */
export async function readCheckpoints(pool: Pool): Promise<SignedCheckpoint[]> {
  const { rows } = await pool.query(
    "SELECT seq, hash, signed_at, key_version, signature FROM audit.checkpoints ORDER BY seq",
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    hash: r.hash,
    signedAt: r.signed_at,
    keyVersion: r.key_version,
    signature: r.signature,
  }));
}

/** Signs the current head unless it is already checkpointed; returns the new checkpoint or null. */
export async function checkpointHead(
  pool: Pool,
  secretKey: Uint8Array,
  keyVersion: number,
): Promise<SignedCheckpoint | null> {
  const head = await pool.query<{ seq: string; hash: string }>(
    "SELECT seq, hash FROM audit.entries ORDER BY seq DESC LIMIT 1",
  );
  const row = head.rows[0];
  if (!row) return null;
  const done = await pool.query("SELECT 1 FROM audit.checkpoints WHERE seq = $1", [row.seq]);
  if ((done.rowCount ?? 0) > 0) return null;
  const cp = await signCheckpoint(
    { seq: Number(row.seq), hash: row.hash, signedAt: new Date().toISOString(), keyVersion },
    secretKey,
  );
  await pool.query(
    "INSERT INTO audit.checkpoints (seq, hash, signed_at, key_version, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING",
    [cp.seq, cp.hash, cp.signedAt, cp.keyVersion, cp.signature],
  );
  return cp;
}
