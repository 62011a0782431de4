/**
 * Probabilistic linkage (PPRL, issue 5) as records arrive, beside exact linkage.
 *
 * The pseudonymiser sends each record's keyed Bloom-filter encoding of its
 * quasi-identifiers and its keyed blocking keys (packages/pprl); the linker stores them
 * in linker.encodings and never sees a value. A record that found no exact partner is
 * scored against the live records of other datasets that share a blocking key with it
 * (incremental: nothing else is re-scored), per field by Dice and overall by the
 * Fellegi–Sunter match weight with the shipped m/u (PERSON_V1_PARAMETERS, estimated by
 * EM on FEBRL 4), and decided by DEFAULT_THRESHOLDS:
 * - the best-scoring candidate at or above `link` is joined, unless its cluster already
 *   holds a record of this record's dataset (one-to-one within a dataset pair: a record
 *   never joins two clusters, and a cluster never takes two records of one dataset by
 *   probability) — then the pair goes to clerical review;
 * - per other dataset, the best remaining candidate at or above `review` goes to review
 *   (a second link-level candidate in another cluster, too: reason "conflict");
 * - everything else is no link.
 * Exact beats probabilistic: a record with an exact partner is not scored, and an exact
 * arrival pushes a probabilistically joined record of its own dataset out of the cluster
 * (`conflictingGroup`, `ejectProbabilistic`).
 */
import type { PseudonymisedRecord } from "@kruispunt/contracts";
import { DEFAULT_THRESHOLDS, type Encoding, fromWire, PprlError, Scorer } from "@kruispunt/pprl";
import type { PoolClient } from "@kruispunt/store";
import { recordRef } from "./decisions";

const scorer = new Scorer();

/** A candidate chosen for a probabilistic link. */
export interface PprlLink {
  ref: string;
  clusterId: string;
  score: number;
}

/** A pair put in the clerical review queue (references and score only). */
export interface ReviewItem {
  reviewId: number;
  left: string;
  right: string;
  score: number;
  reason: "score" | "conflict";
}

/**
 * The record's encoding, or why it is refused: an unknown schema or malformed filters
 * (KRP_ERR_PPRL_UNKNOWN_SCHEMA / KRP_ERR_PPRL_BAD_ENCODING from packages/pprl), or a key
 * version other than the store's (`KRP_ERR_PPRL_SCHEMA_MISMATCH`: its bits mean
 * something else, so a Dice coefficient with stored encodings would be noise). Null
 * when the record carries none.
 */
export function readEncoding(
  record: PseudonymisedRecord,
  storeKeyVersion: number,
): { encoding: Encoding } | { refused: string } | null {
  const wire = record.pprl;
  if (!wire || wire.schemaId === "") return null;
  let encoding: Encoding;
  try {
    encoding = fromWire({ ...wire, filters: new Uint8Array(wire.filters) });
  } catch (error) {
    return { refused: error instanceof PprlError ? error.code : "KRP_ERR_PPRL_BAD_ENCODING" };
  }
  if (encoding.keyVersion !== storeKeyVersion) return { refused: "KRP_ERR_PPRL_SCHEMA_MISMATCH" };
  return { encoding };
}

/** Stores (or replaces) the record's encoding; `null` deletes a previous one. */
export async function storeEncoding(
  client: PoolClient,
  record: PseudonymisedRecord,
  encoding: Encoding | null,
): Promise<void> {
  const key = [record.agency, record.dataset, record.sourceRecordId];
  if (!encoding || !record.pprl) {
    await client.query(
      "DELETE FROM linker.encodings WHERE agency = $1 AND dataset = $2 AND source_record_id = $3",
      key,
    );
    return;
  }
  await client.query(
    `INSERT INTO linker.encodings (agency, dataset, source_record_id, schema_id, key_version, filters, blocking_keys)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET schema_id = EXCLUDED.schema_id,
       key_version = EXCLUDED.key_version, filters = EXCLUDED.filters, blocking_keys = EXCLUDED.blocking_keys`,
    [
      ...key,
      encoding.schemaId,
      encoding.keyVersion,
      Buffer.from(record.pprl.filters),
      encoding.blockingKeys,
    ],
  );
}

interface Candidate {
  ref: string;
  dataset: string;
  clusterId: string;
  score: number;
  levels: number[];
}

/** True when a live record of `agency/dataset` other than `self` is in `clusterId`. */
async function clusterHolds(
  client: PoolClient,
  clusterId: string,
  agency: string,
  dataset: string,
  self: string,
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM linker.records WHERE cluster_id = $1 AND agency = $2 AND dataset = $3
       AND source_record_id <> $4 AND NOT withdrawn LIMIT 1`,
    [clusterId, agency, dataset, self],
  );
  return rows.length > 0;
}

/**
 * Scores `record` (which has no exact partner) against its blocking candidates and
 * decides as described above. Returns the link to make (the caller puts the record in
 * `link.clusterId`) and the review items queued. Each candidate is scored once,
 * however many blocking keys it shares.
 */
export async function matchProbabilistically(
  client: PoolClient,
  record: PseudonymisedRecord,
  encoding: Encoding,
): Promise<{ link: PprlLink | null; review: ReviewItem[] }> {
  if (encoding.blockingKeys.length === 0) return { link: null, review: [] };
  const { rows } = await client.query<{
    agency: string;
    dataset: string;
    source_record_id: string;
    filters: Buffer;
    blocking_keys: string[];
    cluster_id: string;
  }>(
    `SELECT e.agency, e.dataset, e.source_record_id, e.filters, e.blocking_keys, r.cluster_id
     FROM linker.encodings e JOIN linker.records r USING (agency, dataset, source_record_id)
     WHERE e.blocking_keys && $1::text[] AND e.schema_id = $2 AND e.key_version = $3
       AND NOT r.withdrawn AND r.cluster_id IS NOT NULL
       AND NOT (e.agency = $4 AND e.dataset = $5)`,
    [encoding.blockingKeys, encoding.schemaId, encoding.keyVersion, record.agency, record.dataset],
  );
  const t = DEFAULT_THRESHOLDS;
  const candidates: Candidate[] = rows
    .map((row) => {
      const other = fromWire({
        schemaId: encoding.schemaId,
        keyVersion: encoding.keyVersion,
        filters: new Uint8Array(row.filters),
        blockingKeys: row.blocking_keys,
      });
      const { score, levels } = scorer.score(encoding, other);
      return {
        ref: recordRef({
          agency: row.agency,
          dataset: row.dataset,
          sourceRecordId: row.source_record_id,
        }),
        dataset: `${row.agency}/${row.dataset}`,
        clusterId: row.cluster_id,
        score,
        levels,
      };
    })
    .filter((c) => c.score >= t.review)
    // Best first; ties by reference so the decision does not depend on row order.
    .sort((a, b) => b.score - a.score || (a.ref < b.ref ? -1 : 1));
  let link: PprlLink | null = null;
  const settled = new Set<string>();
  const queue: { candidate: Candidate; reason: ReviewItem["reason"] }[] = [];
  for (const c of candidates) {
    if (settled.has(c.dataset) || (link && c.clusterId === link.clusterId)) continue;
    settled.add(c.dataset);
    if (c.score >= t.link && !link) {
      if (
        await clusterHolds(
          client,
          c.clusterId,
          record.agency,
          record.dataset,
          record.sourceRecordId,
        )
      ) {
        queue.push({ candidate: c, reason: "conflict" });
        continue;
      }
      link = { ref: c.ref, clusterId: c.clusterId, score: c.score };
      continue;
    }
    queue.push({ candidate: c, reason: c.score >= t.link ? "conflict" : "score" });
  }
  const review: ReviewItem[] = [];
  for (const { candidate, reason } of queue) {
    const [left, right] = [recordRef(record), candidate.ref].sort() as [string, string];
    const inserted = await client.query<{ review_id: string }>(
      `INSERT INTO linker.review (left_ref, right_ref, score, levels, reason) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (left_ref, right_ref) DO NOTHING RETURNING review_id`,
      [left, right, candidate.score, candidate.levels, reason],
    );
    const id = inserted.rows[0]?.review_id;
    if (id !== undefined)
      review.push({ reviewId: Number(id), left, right, score: candidate.score, reason });
  }
  return { link, review };
}

/** A record moved out of a cluster by `ejectProbabilistic`. */
export interface Ejected {
  agency: string;
  dataset: string;
  sourceRecordId: string;
  version: number;
  linkagePseudonym: string;
  variables: Record<string, string>;
  /** Its new cluster (named by its own pseudonym). */
  clusterId: string;
}

/**
 * Exact beats probabilistic. `record` has just joined `clusterId` on its pseudonym; the
 * cluster's pseudonym groups (records sharing a pseudonym) were joined by probabilistic
 * or reviewed links. Returns the pseudonym of the group that must leave because it
 * holds a record of `record`'s dataset besides `record`'s own group: the group whose
 * member came in by a probabilistic link (each such link attaches a group that was
 * alone), or null when there is no conflict.
 */
export async function conflictingGroup(
  client: PoolClient,
  record: PseudonymisedRecord,
  clusterId: string,
): Promise<string | null> {
  const { rows } = await client.query<{ linkage_pseudonym: string }>(
    `SELECT linkage_pseudonym FROM linker.records
     WHERE cluster_id = $1 AND agency = $2 AND dataset = $3 AND linkage_pseudonym <> $4
       AND NOT withdrawn ORDER BY linkage_pseudonym LIMIT 1`,
    [clusterId, record.agency, record.dataset, record.linkagePseudonym],
  );
  const other = rows[0]?.linkage_pseudonym;
  if (other === undefined) return null;
  const own = await client.query(
    `SELECT 1 FROM linker.records WHERE cluster_id = $1 AND linkage_pseudonym = $2
       AND linked_by <> 'exact' AND NOT withdrawn LIMIT 1`,
    [clusterId, record.linkagePseudonym],
  );
  return own.rows.length > 0 ? record.linkagePseudonym : other;
}

/** Moves the records of `clusterId` with `linkagePseudonym` to their own cluster. */
export async function ejectProbabilistic(
  client: PoolClient,
  clusterId: string,
  linkagePseudonym: string,
): Promise<Ejected[]> {
  const { rows } = await client.query<{
    agency: string;
    dataset: string;
    source_record_id: string;
    version: string;
    variables: Record<string, string>;
  }>(
    `UPDATE linker.records SET cluster_id = $2, linked_by = 'exact', updated_at = now()
     WHERE cluster_id = $1 AND linkage_pseudonym = $2 AND NOT withdrawn
     RETURNING agency, dataset, source_record_id, version, variables`,
    [clusterId, linkagePseudonym],
  );
  return rows.map((r) => ({
    agency: r.agency,
    dataset: r.dataset,
    sourceRecordId: r.source_record_id,
    version: Number(r.version),
    linkagePseudonym,
    variables: r.variables,
    clusterId: linkagePseudonym,
  }));
}
