/**
 * Linkage of one batch of pseudonymised records (exact, then probabilistic), inside the
 * caller's transaction.
 *
 * Rules (DESIGN.md invariant 4 and the one-to-one rule):
 * - A source record is identified by (agency, dataset, source record id); only its
 *   highest version counts. A lower version is ignored as stale; the same version
 *   again changes nothing but its linkage event is re-emitted, so a crash between
 *   commit and publish cannot lose it.
 * - Records with the same linkage pseudonym form an exact group, whose home cluster is
 *   named by that pseudonym and keeps its name for life (after a key rotation too:
 *   project pseudonyms derive from it). Every pair of records from different datasets
 *   in a cluster is a link decision (method "exact", score 1 within one exact group).
 * - A withdrawal removes the record from its cluster ("unlink", method "withdrawal"); so
 *   does a new version whose pseudonym moves the record to another group (method "update").
 * - Probabilistic linkage joins exact groups on their records' PPRL encodings: the scored
 *   pairs are kept by probabilistic-linkage.ts, the joins decided by greedy-clusters.ts
 *   (exact beats probabilistic; one-to-one within a dataset pair) and the touched
 *   components settled by settle.ts, which emits the events and decisions.
 * - The clusters, their names and the review queue depend only on the set of live
 *   records (highest versions) and the reviewers' resolutions, not on arrival order or
 *   batching: test/linkage-order.test.ts checks it with and without PPRL.
 */
import type { LinkageEvent, PseudonymisedRecord } from "@kruispunt/contracts";
import type { PoolClient } from "@kruispunt/store";
import { type LinkDecision, recordRef } from "./decisions";
import { alignKeys, lockKeyState, type Rekeyer } from "./key-state";
import { readEncoding, rescoreCandidates, storeEncoding } from "./probabilistic-linkage";
import type { ReviewItem } from "./review-queue";
import { type Applied, type Seeds, settle } from "./settle";

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

/**
 * Applies `records` inside the caller's transaction: each record in turn to its exact
 * group and its scored pairs, then the touched components are settled (settle.ts).
 * Pseudonyms are compared only under the store's key id (see key-state.ts); `rekey`
 * reaches the pseudonymiser when key versions differ. Events: one per record applied
 * (its last version in the batch), then one per other record whose cluster changed.
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
  const seeds: Seeds = { homes: new Set(), clusters: new Set() };
  const applied = new Map<string, Applied>();
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
      home_cluster: string | null;
      withdrawn: boolean;
      linkage_pseudonym: string;
    }>(
      "SELECT version, cluster_id, home_cluster, withdrawn, linkage_pseudonym FROM linker.records WHERE agency = $1 AND dataset = $2 AND source_record_id = $3 FOR UPDATE",
      [record.agency, record.dataset, record.sourceRecordId],
    );
    const before = existing.rows[0];
    if (before && Number(before.version) > record.version) {
      outcome.stale += 1;
      continue;
    }
    const live = before && !before.withdrawn ? before : null;
    if (live?.home_cluster) seeds.homes.add(live.home_cluster);
    if (live?.cluster_id) seeds.clusters.add(live.cluster_id);
    const key = ref(record);
    const first = applied.get(key)?.before ?? {
      live: live !== null,
      clusterId: live?.cluster_id ?? null,
      pseudonym: live?.linkage_pseudonym ?? null,
    };
    // Map order is insertion order: a record applied again moves to the end.
    applied.delete(key);
    applied.set(key, { record, before: first });
    if (record.withdrawn) {
      await withdraw(client, record);
      continue;
    }
    const home = await homeCluster(client, record, live);
    seeds.homes.add(home);
    const read = readEncoding(record, state?.keyVersion ?? record.keyVersion);
    if (read && "refused" in read)
      outcome.pprlRefused.push({ ref: ref(record), code: read.refused });
    const encoding = read && "encoding" in read ? read.encoding : null;
    // Until settled, the record stands in its home cluster.
    await client.query(
      `INSERT INTO linker.records (agency, dataset, source_record_id, version, linkage_pseudonym, key_version, keyring_fingerprint, cluster_id, home_cluster, variables, withdrawn, key_id, linked_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, false, $10, 'exact')
       ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET
         version = EXCLUDED.version, linkage_pseudonym = EXCLUDED.linkage_pseudonym, key_version = EXCLUDED.key_version, key_id = EXCLUDED.key_id,
         keyring_fingerprint = EXCLUDED.keyring_fingerprint, cluster_id = EXCLUDED.cluster_id, home_cluster = EXCLUDED.home_cluster,
         variables = EXCLUDED.variables, withdrawn = false, linked_by = 'exact', updated_at = now()`,
      [
        record.agency,
        record.dataset,
        record.sourceRecordId,
        record.version,
        record.linkagePseudonym,
        record.keyVersion,
        record.keyringFingerprint,
        home,
        record.variables,
        record.keyId,
      ],
    );
    await storeEncoding(client, record, encoding);
    await rescoreCandidates(client, record, encoding);
  }
  if (applied.size === 0) return outcome;
  const { events, decisions, review } = await settle(client, seeds, applied);
  return { ...outcome, events, decisions, review };
}

/**
 * The home cluster of `record`'s exact group: that of another live record with its
 * pseudonym (under the same key id), else its own if its pseudonym did not change (a
 * cluster keeps its name for life, across key rotations), else its pseudonym.
 */
async function homeCluster(
  client: PoolClient,
  record: PseudonymisedRecord,
  live: { home_cluster: string | null; linkage_pseudonym: string } | null,
): Promise<string> {
  const other = await client.query<{ home_cluster: string }>(
    `SELECT home_cluster FROM linker.records
     WHERE linkage_pseudonym = $1 AND key_id = $5 AND NOT withdrawn AND home_cluster IS NOT NULL
       AND NOT (agency = $2 AND dataset = $3 AND source_record_id = $4)
     ORDER BY home_cluster LIMIT 1`,
    [record.linkagePseudonym, record.agency, record.dataset, record.sourceRecordId, record.keyId],
  );
  const keepOwn = live?.linkage_pseudonym === record.linkagePseudonym ? live.home_cluster : null;
  return other.rows[0]?.home_cluster ?? keepOwn ?? record.linkagePseudonym;
}

/** Marks `record` withdrawn (out of every cluster) and drops its encoding and pairs. */
async function withdraw(client: PoolClient, record: PseudonymisedRecord): Promise<void> {
  await client.query(
    `INSERT INTO linker.records (agency, dataset, source_record_id, version, linkage_pseudonym, key_version, keyring_fingerprint, cluster_id, variables, withdrawn)
     VALUES ($1, $2, $3, $4, '', $5, $6, NULL, '{}', true)
     ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET version = EXCLUDED.version,
       cluster_id = NULL, home_cluster = NULL, variables = '{}', withdrawn = true, updated_at = now()`,
    [
      record.agency,
      record.dataset,
      record.sourceRecordId,
      record.version,
      record.keyVersion,
      record.keyringFingerprint,
    ],
  );
  await storeEncoding(client, record, null);
  await rescoreCandidates(client, record, null);
}
