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
 * - A record with no exact partner is linked probabilistically on its PPRL encoding
 *   when it scores high enough (method "pprl", its match weight as score), or its best
 *   candidates go to clerical review: probabilistic-linkage.ts states the rules. An
 *   exact arrival moves a probabilistically linked record of its own dataset out of the
 *   cluster (exact beats probabilistic; method "pprl", outcome "unlink").
 * - For exact links only, the result depends only on the set of records, not on their arrival order: a live
 *   record's cluster is named by its highest version's pseudonym (within one key version;
 *   after a rotation clusters keep their old names). test/linkage-order.test.ts checks it.
 */
import type { LinkageEvent, PseudonymisedRecord } from "@kruispunt/contracts";
import type { PoolClient } from "@kruispunt/store";
import { decideWithPartners, type LinkDecision, recordRef } from "./decisions";
import { alignKeys, lockKeyState, type Rekeyer } from "./key-state";
import {
  conflictingGroup,
  ejectProbabilistic,
  matchProbabilistically,
  type ReviewItem,
  readEncoding,
  storeEncoding,
} from "./probabilistic-linkage";

export interface LinkOutcome {
  events: LinkageEvent[];
  /** Decisions touched by this batch (new or already current), for the audit trail. */
  decisions: LinkDecision[];
  stale: number;
  /** Records refused because their pseudonym was made under a different key. */
  keyMismatch: string[];
  /** Stored pseudonyms moved to a new key version in this batch. */
  rekeyed: number;
  /** Pairs queued for clerical review in this batch. */
  review: ReviewItem[];
  /** Records whose PPRL encoding was refused (linked exactly only), with the reason code. */
  pprlRefused: { ref: string; code: string }[];
}

const ref = recordRef;
type RecordKey = Pick<PseudonymisedRecord, "agency" | "dataset" | "sourceRecordId">;

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
  const outcome: LinkOutcome = {
    events: [],
    decisions: [],
    stale: 0,
    keyMismatch: [],
    rekeyed: 0,
    review: [],
    pprlRefused: [],
  };
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
      linked_by: string;
    }>(
      "SELECT version, cluster_id, withdrawn, linkage_pseudonym, linked_by FROM linker.records WHERE agency = $1 AND dataset = $2 AND source_record_id = $3 FOR UPDATE",
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
    let clusterId = other.rows[0]?.cluster_id ?? keepOwn ?? record.linkagePseudonym;
    let linkedBy = keepOwn && clusterId === keepOwn ? (before?.linked_by ?? "exact") : "exact";
    let how: Pick<LinkDecision, "method" | "score"> = { method: "exact", score: 1 };
    const read = readEncoding(record, state?.keyVersion ?? record.keyVersion);
    if (read && "refused" in read)
      outcome.pprlRefused.push({ ref: ref(record), code: read.refused });
    const encoding = read && "encoding" in read ? read.encoding : null;
    // Probabilistic linkage only for a record alone in its cluster: exact beats it.
    // A new record without an exact partner is alone in the cluster of its own pseudonym
    // (a cluster of that name would hold a record with that pseudonym): no query needed.
    if (
      encoding &&
      !other.rows[0] &&
      clusterId === record.linkagePseudonym &&
      (!before || !(await clusterHasOthers(client, clusterId, record)))
    ) {
      const match = await matchProbabilistically(client, record, encoding);
      outcome.review.push(...match.review);
      if (match.link) {
        clusterId = match.link.clusterId;
        linkedBy = "pprl";
        how = { method: "pprl", score: match.link.score };
      }
    }
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
      `INSERT INTO linker.records (agency, dataset, source_record_id, version, linkage_pseudonym, key_version, keyring_fingerprint, cluster_id, variables, withdrawn, key_id, linked_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10, $11)
       ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET
         version = EXCLUDED.version, linkage_pseudonym = EXCLUDED.linkage_pseudonym, key_version = EXCLUDED.key_version, key_id = EXCLUDED.key_id,
         keyring_fingerprint = EXCLUDED.keyring_fingerprint, cluster_id = EXCLUDED.cluster_id,
         variables = EXCLUDED.variables, withdrawn = false, linked_by = EXCLUDED.linked_by, updated_at = now()`,
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
        linkedBy,
      ],
    );
    await storeEncoding(client, record, encoding);
    if (other.rows[0]) clusterId = await exactPrecedence(client, record, clusterId, outcome);
    await decideWithPartners(client, record, clusterId, { ...how, outcome: "link" }, outcome);
    outcome.events.push({
      kind: before && !before.withdrawn ? "UPDATED" : "LINKED",
      agency: record.agency,
      dataset: record.dataset,
      sourceRecordId: record.sourceRecordId,
      version: record.version,
      clusterId,
      linkagePseudonym: record.linkagePseudonym,
      variables: record.variables,
      ...how,
    });
  }
  return outcome;
}

/** Whether live records other than `record` are in `clusterId`. */
async function clusterHasOthers(
  client: PoolClient,
  clusterId: string,
  record: RecordKey,
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM linker.records WHERE cluster_id = $1 AND NOT withdrawn
       AND NOT (agency = $2 AND dataset = $3 AND source_record_id = $4) LIMIT 1`,
    [clusterId, record.agency, record.dataset, record.sourceRecordId],
  );
  return rows.length > 0;
}

/**
 * Exact beats probabilistic: `record` joined `clusterId` on its pseudonym; when that
 * puts two records of its dataset in the cluster, the pseudonym group that came in by a
 * probabilistic or reviewed link (probabilistic-linkage.ts `conflictingGroup`) moves to
 * a cluster named by its pseudonym, and its links with those who stay end (method
 * "pprl", outcome "unlink"). Returns `record`'s cluster afterwards.
 */
async function exactPrecedence(
  client: PoolClient,
  record: PseudonymisedRecord,
  clusterId: string,
  outcome: LinkOutcome,
): Promise<string> {
  let own = clusterId;
  for (;;) {
    const leaving = await conflictingGroup(client, record, own);
    if (leaving === null) return own;
    const moved = await ejectProbabilistic(client, own, leaving);
    for (const m of moved) {
      const self =
        m.agency === record.agency &&
        m.dataset === record.dataset &&
        m.sourceRecordId === record.sourceRecordId;
      if (!self) {
        await decideWithPartners(
          client,
          m,
          own,
          { method: "pprl", score: 0, outcome: "unlink" },
          outcome,
        );
        outcome.events.push({ kind: "UPDATED", ...m, method: "pprl", score: 0 });
      }
    }
    if (leaving === record.linkagePseudonym) own = leaving;
  }
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
