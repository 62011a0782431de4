/**
 * Exact linkage on linkage pseudonyms, applied record by record as events arrive.
 *
 * Rules (DESIGN.md invariant 4 and the one-to-one rule):
 * - A source record is identified by (agency, dataset, source record id); only its
 *   highest version counts. A lower version is ignored as stale; the same version
 *   again changes nothing but its linkage event is re-emitted, so a crash between
 *   commit and publish cannot lose it.
 * - Records with the same linkage pseudonym form one person cluster, named by that
 *   pseudonym. Every pair of records from different datasets in a cluster is a link
 *   decision (method "exact", score 1), stored once.
 * - A withdrawal removes the record from its cluster and records "unlink" decisions
 *   (method "withdrawal"); so does a new version whose pseudonym moves the record to
 *   another cluster (method "update").
 * - The result depends only on the set of records, not on their arrival order: a live
 *   record's cluster is named by its highest version's pseudonym (within one key version;
 *   after a rotation clusters keep their old names). test/linkage-order.test.ts checks it.
 */
import type { LinkageEvent, PseudonymisedRecord } from "@kruispunt/contracts";
import type { PoolClient } from "@kruispunt/store";
import { alignKeys, lockKeyState, type Rekeyer } from "./key-state";

export interface LinkDecision {
  left: string;
  right: string;
  clusterId: string;
  method: string;
  score: number;
  outcome: "link" | "unlink";
}

export interface LinkOutcome {
  events: LinkageEvent[];
  /** Decisions touched by this batch (new or already stored), for the audit trail. */
  decisions: LinkDecision[];
  stale: number;
  /** Records refused because their pseudonym was made under a different key. */
  keyMismatch: string[];
  /** Stored pseudonyms moved to a new key version in this batch. */
  rekeyed: number;
}

const ref = (r: { agency: string; dataset: string; sourceRecordId: string }) =>
  `${r.agency}/${r.dataset}/${r.sourceRecordId}`;

/**
 * Applies `records` in order inside the caller's transaction. Pseudonyms are
 * compared only under the store's key id (see key-state.ts); `rekey` reaches the
 * pseudonymiser when key versions differ.
 */
export async function linkRecords(
  client: PoolClient,
  records: PseudonymisedRecord[],
  rekey: Rekeyer,
): Promise<LinkOutcome> {
  const outcome: LinkOutcome = { events: [], decisions: [], stale: 0, keyMismatch: [], rekeyed: 0 };
  let state = await lockKeyState(client);
  for (let record of records) {
    if (!record.withdrawn) {
      const aligned = await alignKeys(client, state, record, rekey);
      state = aligned.state;
      outcome.rekeyed += aligned.rekeyed;
      if (!aligned.record) {
        outcome.keyMismatch.push(ref(record));
        continue;
      }
      record = aligned.record;
    }
    const existing = await client.query<{
      version: string;
      cluster_id: string | null;
      withdrawn: boolean;
      linkage_pseudonym: string;
    }>(
      "SELECT version, cluster_id, withdrawn, linkage_pseudonym FROM linker.records WHERE agency = $1 AND dataset = $2 AND source_record_id = $3 FOR UPDATE",
      [record.agency, record.dataset, record.sourceRecordId],
    );
    const before = existing.rows[0];
    if (before && Number(before.version) > record.version) {
      outcome.stale += 1;
      continue;
    }
    if (record.withdrawn) {
      await withdraw(client, record, before?.cluster_id ?? null, outcome);
      continue;
    }
    const other = await client.query<{ cluster_id: string }>(
      `SELECT cluster_id FROM linker.records
       WHERE linkage_pseudonym = $1 AND key_id = $5 AND NOT withdrawn AND cluster_id IS NOT NULL
         AND NOT (agency = $2 AND dataset = $3 AND source_record_id = $4)
       LIMIT 1`,
      [record.linkagePseudonym, record.agency, record.dataset, record.sourceRecordId, record.keyId],
    );
    // Clusters keep their name for life (project pseudonyms derive from it): a record
    // whose pseudonym did not change stays where it was, even after a key rotation.
    const keepOwn =
      before &&
      !before.withdrawn &&
      before.cluster_id &&
      before.linkage_pseudonym === record.linkagePseudonym
        ? before.cluster_id
        : null;
    const clusterId = other.rows[0]?.cluster_id ?? keepOwn ?? record.linkagePseudonym;
    // A new version under another pseudonym (a corrected identifier) leaves its old
    // cluster: its links there end, and are audited as ending.
    if (before && !before.withdrawn && before.cluster_id && before.cluster_id !== clusterId) {
      await decideWithPartners(
        client,
        record,
        before.cluster_id,
        { method: "update", score: 0, outcome: "unlink" },
        outcome,
      );
    }
    await client.query(
      `INSERT INTO linker.records (agency, dataset, source_record_id, version, linkage_pseudonym, key_version, keyring_fingerprint, cluster_id, variables, withdrawn, key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10)
       ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET
         version = EXCLUDED.version, linkage_pseudonym = EXCLUDED.linkage_pseudonym, key_version = EXCLUDED.key_version, key_id = EXCLUDED.key_id,
         keyring_fingerprint = EXCLUDED.keyring_fingerprint, cluster_id = EXCLUDED.cluster_id,
         variables = EXCLUDED.variables, withdrawn = false, updated_at = now()`,
      [
        record.agency,
        record.dataset,
        record.sourceRecordId,
        record.version,
        record.linkagePseudonym,
        record.keyVersion,
        record.keyringFingerprint,
        clusterId,
        record.variables,
        record.keyId,
      ],
    );
    await decideWithPartners(
      client,
      record,
      clusterId,
      { method: "exact", score: 1, outcome: "link" },
      outcome,
    );
    outcome.events.push({
      kind: before && !before.withdrawn ? "UPDATED" : "LINKED",
      agency: record.agency,
      dataset: record.dataset,
      sourceRecordId: record.sourceRecordId,
      version: record.version,
      clusterId,
      linkagePseudonym: record.linkagePseudonym,
      variables: record.variables,
      method: "exact",
      score: 1,
    });
  }
  return outcome;
}

async function withdraw(
  client: PoolClient,
  record: PseudonymisedRecord,
  clusterId: string | null,
  outcome: LinkOutcome,
): Promise<void> {
  await client.query(
    `INSERT INTO linker.records (agency, dataset, source_record_id, version, linkage_pseudonym, key_version, keyring_fingerprint, cluster_id, variables, withdrawn)
     VALUES ($1, $2, $3, $4, '', $5, $6, NULL, '{}', true)
     ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET version = EXCLUDED.version, cluster_id = NULL, variables = '{}', withdrawn = true, updated_at = now()`,
    [
      record.agency,
      record.dataset,
      record.sourceRecordId,
      record.version,
      record.keyVersion,
      record.keyringFingerprint,
    ],
  );
  if (clusterId) {
    await decideWithPartners(
      client,
      record,
      clusterId,
      { method: "withdrawal", score: 0, outcome: "unlink" },
      outcome,
    );
  }
  outcome.events.push({
    kind: "UNLINKED",
    agency: record.agency,
    dataset: record.dataset,
    sourceRecordId: record.sourceRecordId,
    version: record.version,
    clusterId: clusterId ?? "",
    linkagePseudonym: "",
    variables: {},
    method: "withdrawal",
    score: 0,
  });
}

/**
 * Records one decision between `record` and every current member of `clusterId`
 * from another dataset (pairs named in sorted order, so each is stored once).
 */
async function decideWithPartners(
  client: PoolClient,
  record: PseudonymisedRecord,
  clusterId: string,
  how: Pick<LinkDecision, "method" | "score" | "outcome">,
  outcome: LinkOutcome,
): Promise<void> {
  const partners = await client.query<{
    agency: string;
    dataset: string;
    source_record_id: string;
  }>(
    `SELECT agency, dataset, source_record_id FROM linker.records
     WHERE cluster_id = $1 AND NOT withdrawn AND NOT (agency = $2 AND dataset = $3)`,
    [clusterId, record.agency, record.dataset],
  );
  for (const p of partners.rows) {
    const partner = ref({
      agency: p.agency,
      dataset: p.dataset,
      sourceRecordId: p.source_record_id,
    });
    const [left, right] = [ref(record), partner].sort() as [string, string];
    const decision: LinkDecision = { left, right, clusterId, ...how };
    await storeDecision(client, decision);
    outcome.decisions.push(decision);
  }
}

async function storeDecision(client: PoolClient, d: LinkDecision): Promise<void> {
  await client.query(
    `INSERT INTO linker.decisions (left_ref, right_ref, cluster_id, method, score, outcome)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (left_ref, right_ref, outcome) DO NOTHING`,
    [d.left, d.right, d.clusterId, d.method, d.score, d.outcome],
  );
}
