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
import { alignKeys, lockKeyState, type Rekeyer, rekeysStore } from "./key-state";
import {
  type Encoded,
  readEncoding,
  rescoreCandidates,
  storeEncodings,
} from "./probabilistic-linkage";
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

/** A linker.records row as this batch sees it (its stored state, then each record applied). */
interface Row {
  version: number;
  linkagePseudonym: string;
  keyVersion: number;
  keyringFingerprint: string;
  keyId: string;
  clusterId: string | null;
  home: string | null;
  variables: Record<string, string>;
  withdrawn: boolean;
  linkedBy: string;
}

/** What a batch accumulates across its segments (see linkRecords). */
interface Batch {
  seeds: Seeds;
  applied: Map<string, Applied>;
  outcome: LinkOutcome;
}

/**
 * Applies `records` inside the caller's transaction: each record in turn to its exact
 * group and its scored pairs, then the touched components are settled (settle.ts).
 * Pseudonyms are compared only under the store's key id (see key-state.ts); `rekey`
 * reaches the pseudonymiser when key versions differ. Events: one per record applied
 * (its last version in the batch), then one per other record whose cluster changed.
 *
 * Set-based: the records are applied in memory in order, and the batch's reads and
 * writes are a few statements for all its records together (applySegment). A record
 * that re-keys the whole store (a newer key version) first writes the records before it,
 * so the store is re-keyed with them as one record at a time would have it.
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
  const batch: Batch = {
    seeds: { homes: new Set(), clusters: new Set() },
    applied: new Map(),
    outcome,
  };
  let state = await lockKeyState(client);
  // A batch's statements are short lookups whose row estimates (over arrays of thousands
  // of references) look costly; JIT compiling them took 0.8 s of a 1.4 s query.
  await client.query("SET LOCAL jit = off");
  let segment: PseudonymisedRecord[] = [];
  for (let record of records) {
    if (!record.withdrawn) {
      if (rekeysStore(state, record) && segment.length > 0) {
        await applySegment(client, segment, state?.keyVersion ?? null, batch);
        segment = [];
      }
      const aligned = await alignKeys(client, state, record, rekey);
      state = aligned.state;
      outcome.rekeyed += aligned.rekeyed;
      if (!aligned.record) {
        outcome.keyMismatch.push(ref(record));
        continue;
      }
      record = aligned.record;
    }
    segment.push(record);
  }
  await applySegment(client, segment, state?.keyVersion ?? null, batch);
  if (batch.applied.size === 0) return outcome;
  const { events, decisions, review } = await settle(client, batch.seeds, batch.applied);
  return { ...outcome, events, decisions, review };
}

/**
 * Applies `segment` (records aligned to the store's key version `keyVersion`, null
 * before the first record) in order, as one record at a time would: a lower version
 * than the stored (or an earlier one in the batch) is stale; a withdrawal takes the
 * record out of every cluster; a live record joins its exact group (homeCluster) and
 * stands in its home cluster until settled. Reads the stored rows and the exact groups
 * of the segment's pseudonyms in two statements, then writes each record's final row,
 * encoding and candidate pairs set-based.
 */
async function applySegment(
  client: PoolClient,
  segment: readonly PseudonymisedRecord[],
  keyVersion: number | null,
  batch: Batch,
): Promise<void> {
  if (segment.length === 0) return;
  const rows = await readRows(client, segment);
  const groups = await readGroups(client, segment);
  const groupKey = (pseudonym: string, keyId: string) => `${keyId} ${pseudonym}`;
  const written = new Map<string, { record: PseudonymisedRecord; encoded: Encoded }>();
  for (const record of segment) {
    const key = ref(record);
    const before = rows.get(key);
    if (before && before.version > record.version) {
      batch.outcome.stale += 1;
      continue;
    }
    const live = before && !before.withdrawn ? before : null;
    if (live?.home) batch.seeds.homes.add(live.home);
    if (live?.clusterId) batch.seeds.clusters.add(live.clusterId);
    const first = batch.applied.get(key)?.before ?? {
      live: live !== null,
      clusterId: live?.clusterId ?? null,
      pseudonym: live?.linkagePseudonym ?? null,
    };
    // Map order is insertion order: a record applied again moves to the end.
    batch.applied.delete(key);
    batch.applied.set(key, { record, before: first });
    if (live?.home) groups.get(groupKey(live.linkagePseudonym, live.keyId))?.delete(key);
    if (record.withdrawn) {
      // As the withdrawal upsert: a new row gets no pseudonym; a stored one keeps its keys.
      rows.set(key, {
        version: record.version,
        linkagePseudonym: before?.linkagePseudonym ?? "",
        keyVersion: before?.keyVersion ?? record.keyVersion,
        keyringFingerprint: before?.keyringFingerprint ?? record.keyringFingerprint,
        keyId: before?.keyId ?? "",
        clusterId: null,
        home: null,
        variables: {},
        withdrawn: true,
        linkedBy: before?.linkedBy ?? "exact",
      });
      written.set(key, { record, encoded: { record, filters: null, encoding: null } });
      continue;
    }
    const group = groupKey(record.linkagePseudonym, record.keyId);
    const home = homeCluster(groups.get(group), record, live);
    batch.seeds.homes.add(home);
    const read = readEncoding(record, keyVersion ?? record.keyVersion);
    if (read && "refused" in read) batch.outcome.pprlRefused.push({ ref: key, code: read.refused });
    const encoding = read && "encoding" in read ? read.encoding : null;
    // Until settled, the record stands in its home cluster.
    rows.set(key, {
      version: record.version,
      linkagePseudonym: record.linkagePseudonym,
      keyVersion: record.keyVersion,
      keyringFingerprint: record.keyringFingerprint,
      keyId: record.keyId,
      clusterId: home,
      home,
      variables: record.variables,
      withdrawn: false,
      linkedBy: "exact",
    });
    groups.set(group, (groups.get(group) ?? new Map()).set(key, home));
    written.set(key, {
      record,
      encoded: { record, filters: encoding ? (record.pprl?.filters ?? null) : null, encoding },
    });
  }
  if (written.size === 0) return;
  await writeRows(
    client,
    [...written.values()].map((w) => ({ record: w.record, row: rows.get(ref(w.record)) as Row })),
  );
  const encoded = [...written.values()].map((w) => w.encoded);
  await storeEncodings(client, encoded);
  await rescoreCandidates(client, encoded);
}

/** The stored rows of the segment's records, locked for this transaction. */
async function readRows(
  client: PoolClient,
  segment: readonly PseudonymisedRecord[],
): Promise<Map<string, Row>> {
  const { rows } = await client.query<{
    ref: string;
    version: string;
    linkage_pseudonym: string;
    key_version: number;
    keyring_fingerprint: string;
    key_id: string;
    cluster_id: string | null;
    home_cluster: string | null;
    variables: Record<string, string>;
    withdrawn: boolean;
    linked_by: string;
  }>(
    `SELECT ref, version, linkage_pseudonym, key_version, keyring_fingerprint, key_id, cluster_id,
            home_cluster, variables, withdrawn, linked_by
     FROM linker.records WHERE ref = ANY($1) FOR UPDATE`,
    [[...new Set(segment.map(ref))]],
  );
  return new Map(
    rows.map((r) => [
      r.ref,
      {
        version: Number(r.version),
        linkagePseudonym: r.linkage_pseudonym,
        keyVersion: r.key_version,
        keyringFingerprint: r.keyring_fingerprint,
        keyId: r.key_id,
        clusterId: r.cluster_id,
        home: r.home_cluster,
        variables: r.variables,
        withdrawn: r.withdrawn,
        linkedBy: r.linked_by,
      },
    ]),
  );
}

/**
 * The exact groups of the segment's pseudonyms: for each "keyId pseudonym", the live
 * records holding it and their home clusters.
 */
async function readGroups(
  client: PoolClient,
  segment: readonly PseudonymisedRecord[],
): Promise<Map<string, Map<string, string>>> {
  const pseudonyms = [
    ...new Set(segment.filter((r) => !r.withdrawn).map((r) => r.linkagePseudonym)),
  ];
  const groups = new Map<string, Map<string, string>>();
  if (pseudonyms.length === 0) return groups;
  const { rows } = await client.query<{
    ref: string;
    linkage_pseudonym: string;
    key_id: string;
    home_cluster: string;
  }>(
    `SELECT ref, linkage_pseudonym, key_id, home_cluster FROM linker.records
     WHERE linkage_pseudonym = ANY($1) AND NOT withdrawn AND home_cluster IS NOT NULL`,
    [pseudonyms],
  );
  for (const r of rows) {
    const key = `${r.key_id} ${r.linkage_pseudonym}`;
    groups.set(key, (groups.get(key) ?? new Map()).set(r.ref, r.home_cluster));
  }
  return groups;
}

/**
 * The home cluster of `record`'s exact group: the least of those of the other live
 * records with its pseudonym (under the same key id; `group` maps their references to
 * their homes), else its own if its pseudonym did not change (a cluster keeps its name
 * for life, across key rotations), else its pseudonym.
 */
function homeCluster(
  group: ReadonlyMap<string, string> | undefined,
  record: PseudonymisedRecord,
  live: Row | null,
): string {
  const self = ref(record);
  let other: string | null = null;
  for (const [r, home] of group ?? [])
    if (r !== self && (other === null || home < other)) other = home;
  const keepOwn = live?.linkagePseudonym === record.linkagePseudonym ? live.home : null;
  return other ?? keepOwn ?? record.linkagePseudonym;
}

/** Writes the final row of each record of the segment (each once) in one upsert. */
async function writeRows(
  client: PoolClient,
  items: readonly { record: PseudonymisedRecord; row: Row }[],
): Promise<void> {
  const column = <T>(f: (i: { record: PseudonymisedRecord; row: Row }) => T) => items.map(f);
  await client.query(
    `INSERT INTO linker.records (agency, dataset, source_record_id, version, linkage_pseudonym, key_version, keyring_fingerprint, cluster_id, home_cluster, variables, withdrawn, key_id, linked_by)
     SELECT a, d, s, v, lp, kv, kf, c, h, vars::jsonb, w, k, lb
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[], $13::text[])
       AS u(a, d, s, v, lp, kv, kf, c, h, vars, w, k, lb)
     ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET
       version = EXCLUDED.version, linkage_pseudonym = EXCLUDED.linkage_pseudonym, key_version = EXCLUDED.key_version, key_id = EXCLUDED.key_id,
       keyring_fingerprint = EXCLUDED.keyring_fingerprint, cluster_id = EXCLUDED.cluster_id, home_cluster = EXCLUDED.home_cluster,
       variables = EXCLUDED.variables, withdrawn = EXCLUDED.withdrawn, linked_by = EXCLUDED.linked_by, updated_at = now()`,
    [
      column((i) => i.record.agency),
      column((i) => i.record.dataset),
      column((i) => i.record.sourceRecordId),
      column((i) => i.row.version),
      column((i) => i.row.linkagePseudonym),
      column((i) => i.row.keyVersion),
      column((i) => i.row.keyringFingerprint),
      column((i) => i.row.clusterId),
      column((i) => i.row.home),
      column((i) => JSON.stringify(i.row.variables)),
      column((i) => i.row.withdrawn),
      column((i) => i.row.keyId),
      column((i) => i.row.linkedBy),
    ],
  );
}
