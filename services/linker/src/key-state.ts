/**
 * Keeps the linkage store under one linkage-key version. Pseudonyms compare only
 * under the same key id; when a record arrives under a newer version (the
 * pseudonymiser's key was rotated), the whole store is re-keyed first through the
 * pseudonymiser's /v1/rekey, which never involves an identifier. A record still
 * under an older version is moved forward on its own.
 */
import type { PseudonymisedRecord } from "@kruispunt/contracts";
import type { PoolClient } from "@kruispunt/store";

export interface RekeyResult {
  keyVersion: number;
  keyId: string;
  pseudonyms: string[];
}

/** Moves pseudonyms made under `fromVersion` to the pseudonymiser's current version. */
export type Rekeyer = (fromVersion: number, pseudonyms: string[]) => Promise<RekeyResult>;

export interface KeyState {
  keyVersion: number;
  keyId: string;
}

const CHUNK = 5_000;

/** The store's key state, locked for this transaction (null before the first record). */
export async function lockKeyState(client: PoolClient): Promise<KeyState | null> {
  const { rows } = await client.query<{ key_version: number; key_id: string }>(
    "SELECT key_version, key_id FROM linker.key_state FOR UPDATE",
  );
  return rows[0] ? { keyVersion: rows[0].key_version, keyId: rows[0].key_id } : null;
}

async function saveKeyState(client: PoolClient, state: KeyState): Promise<void> {
  await client.query(
    `INSERT INTO linker.key_state (singleton, key_version, key_id) VALUES (true, $1, $2)
     ON CONFLICT (singleton) DO UPDATE SET key_version = EXCLUDED.key_version, key_id = EXCLUDED.key_id, updated_at = now()`,
    [state.keyVersion, state.keyId],
  );
}

/**
 * Whether aligning `record` (alignKeys) re-keys the whole store: it comes under a newer
 * key version than the store's (blind-mode keys never rotate).
 */
export function rekeysStore(state: KeyState | null, record: PseudonymisedRecord): boolean {
  if (!state || record.keyId.startsWith("blind-") || state.keyId.startsWith("blind-")) return false;
  return record.keyVersion > state.keyVersion;
}

/**
 * Brings `record` and the store to a common key version; returns the record with
 * its pseudonym at the store's version, and the (possibly new) state. Returns
 * `null` for the record if its key id disagrees with the store's at the same
 * version: it was made under a different key and must not be compared.
 */
export async function alignKeys(
  client: PoolClient,
  state: KeyState | null,
  record: PseudonymisedRecord,
  rekey: Rekeyer,
): Promise<{ state: KeyState; record: PseudonymisedRecord | null; rekeyed: number }> {
  if (!state) {
    const first = { keyVersion: record.keyVersion, keyId: record.keyId };
    await saveKeyState(client, first);
    return { state: first, record, rekeyed: 0 };
  }
  // Blind-mode ids ("blind-…") never go through the pseudonymiser's rekey: it must not
  // see blind pseudonyms, and blind keys do not rotate. They compare only when equal.
  if (record.keyId.startsWith("blind-") || state.keyId.startsWith("blind-")) {
    const same = record.keyVersion === state.keyVersion && record.keyId === state.keyId;
    return { state, record: same ? record : null, rekeyed: 0 };
  }
  let rekeyed = 0;
  if (record.keyVersion > state.keyVersion) {
    const next = await rekeyStore(client, state, rekey, {
      keyVersion: record.keyVersion,
      keyId: record.keyId,
    });
    rekeyed = next.rekeyed;
    state = next.state;
  }
  if (record.keyVersion < state.keyVersion) {
    const moved = await rekey(record.keyVersion, [record.linkagePseudonym]);
    record = {
      ...record,
      linkagePseudonym: moved.pseudonyms[0] ?? "",
      keyVersion: moved.keyVersion,
      keyId: moved.keyId,
    };
  }
  if (record.keyVersion !== state.keyVersion || record.keyId !== state.keyId)
    return { state, record: null, rekeyed };
  return { state, record, rekeyed };
}

/** Re-keys every stored pseudonym from `state`'s version to the pseudonymiser's current one. */
async function rekeyStore(
  client: PoolClient,
  state: KeyState,
  rekey: Rekeyer,
  incoming: KeyState,
): Promise<{ state: KeyState; rekeyed: number }> {
  let next: KeyState | null = null;
  let rekeyed = 0;
  for (;;) {
    const { rows } = await client.query<{
      agency: string;
      dataset: string;
      source_record_id: string;
      linkage_pseudonym: string;
    }>(
      `SELECT agency, dataset, source_record_id, linkage_pseudonym FROM linker.records
       WHERE key_version = $1 AND linkage_pseudonym <> '' LIMIT ${CHUNK}`,
      [state.keyVersion],
    );
    if (rows.length === 0) break;
    const result = await rekey(
      state.keyVersion,
      rows.map((r) => r.linkage_pseudonym),
    );
    if (result.keyVersion <= state.keyVersion)
      throw new Error(`rekey did not advance the key version (${state.keyVersion})`);
    next = { keyVersion: result.keyVersion, keyId: result.keyId };
    await client.query(
      `UPDATE linker.records r SET linkage_pseudonym = u.lp, key_version = $4, key_id = $5, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[], $6::text[]) AS u(agency, dataset, source_record_id, lp)
       WHERE r.agency = u.agency AND r.dataset = u.dataset AND r.source_record_id = u.source_record_id`,
      [
        rows.map((r) => r.agency),
        rows.map((r) => r.dataset),
        rows.map((r) => r.source_record_id),
        next.keyVersion,
        next.keyId,
        result.pseudonyms,
      ],
    );
    rekeyed += rows.length;
  }
  // Nothing was stored under the old version: the store simply moves to the incoming one.
  next ??= incoming;
  await saveKeyState(client, next);
  return { state: next, rekeyed };
}
