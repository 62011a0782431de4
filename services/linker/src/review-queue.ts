/**
 * Which scored pairs wait in the clerical review queue (linker.review), as a function of
 * the clusters and scored pairs only (issue 5; review-routes.ts serves it).
 *
 * Rule: a scored pair (match weight ≥ the review threshold, probabilistic-linkage.ts)
 * that did not become a link is pending when no reviewer has resolved it and neither
 * record's cluster already holds a record of the other record's dataset. Reason
 * "score": below the link threshold; "conflict": at or above it, but joining would have
 * put two records of one dataset in a cluster. A record may wait in several pairs
 * toward one dataset (its candidates there); once a reviewer links one of them, the
 * others stop qualifying and leave the queue.
 *
 * Why this rule and not "each record's best pair per dataset" (which an earlier version
 * took, as the offline greedy solver packages/pprl assign.ts does): that one is a greedy
 * matching, and a change anywhere along a chain of weak pairs can move it, so every batch
 * had to decide again the whole component reachable through pairs below the link
 * threshold — with parameters that do not fit the data, a giant one (4 % of 100,000
 * synthetic records, 26 rounds of reads per batch, growing with the store). With this
 * rule a pair's state depends only on its two records' clusters, so settle.ts follows
 * only links and pairs at or above the link threshold, and then the pairs touching
 * what it settled.
 *
 * The queue follows the clusters: a pending pair that no longer qualifies (linked
 * since, a record withdrawn) leaves the queue; a resolved pair stays as the reviewer's
 * decision (greedy-clusters.ts applies it).
 */
import { DEFAULT_THRESHOLDS } from "@kruispunt/pprl";
import { derivedEventId } from "@kruispunt/service-kit";
import type { PoolClient } from "@kruispunt/store";

/** A pair put in the clerical review queue (references and score only). */
export interface ReviewItem {
  reviewId: number;
  left: string;
  right: string;
  score: number;
  reason: "score" | "conflict";
}

/** A scored pair of the component, with the reviewer's resolution if any. */
export interface ReviewCandidate {
  left: string;
  right: string;
  score: number;
  levels: number[];
  resolution: "link" | "no_link" | null;
}

/** A live record: its "agency/dataset", final cluster and the datasets that cluster holds. */
export interface Placed {
  dataset: string;
  clusterId: string;
  holds: ReadonlySet<string>;
}

/** The pending pairs among `pairs` by the rule above, in (left, right) order. */
export function pendingPairs(
  pairs: readonly ReviewCandidate[],
  placed: ReadonlyMap<string, Placed>,
): (ReviewCandidate & { reason: ReviewItem["reason"] })[] {
  const out: (ReviewCandidate & { reason: ReviewItem["reason"] })[] = [];
  for (const pair of pairs) {
    const [l, r] = [placed.get(pair.left), placed.get(pair.right)];
    if (!l || !r || pair.resolution !== null || l.clusterId === r.clusterId) continue;
    if (l.holds.has(r.dataset) || r.holds.has(l.dataset)) continue;
    out.push({ ...pair, reason: pair.score >= DEFAULT_THRESHOLDS.link ? "conflict" : "score" });
  }
  return out.sort((a, b) =>
    a.left < b.left ? -1 : a.left > b.left ? 1 : a.right < b.right ? -1 : 1,
  );
}

/**
 * Brings the queue's pending pairs that touch `refs` (the settled records and the
 * batch's withdrawn ones) in line with `pending` (their pending pairs); returns the
 * pairs newly queued.
 */
export async function refreshQueue(
  client: PoolClient,
  refs: readonly string[],
  pending: readonly (ReviewCandidate & { reason: ReviewItem["reason"] })[],
): Promise<ReviewItem[]> {
  const keep = new Set(pending.map((p) => `${p.left} ${p.right}`));
  const { rows } = await client.query<{ review_id: string; left_ref: string; right_ref: string }>(
    `SELECT review_id, left_ref, right_ref FROM linker.review
     WHERE status = 'pending' AND (left_ref = ANY($1) OR right_ref = ANY($1))`,
    [refs],
  );
  const gone = rows
    .filter((r) => !keep.has(`${r.left_ref} ${r.right_ref}`))
    .map((r) => r.review_id);
  if (gone.length > 0)
    await client.query("DELETE FROM linker.review WHERE review_id = ANY($1::bigint[])", [gone]);
  if (pending.length === 0) return [];
  // One upsert for all pairs; ids are drawn in the order of `pending`.
  const { rows: upserted } = await client.query<{
    review_id: string;
    left_ref: string;
    right_ref: string;
    inserted: boolean;
  }>(
    `INSERT INTO linker.review (left_ref, right_ref, score, levels, reason)
     SELECT l, r, s, lv::int[], rs
     FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::text[]) WITH ORDINALITY AS p(l, r, s, lv, rs, n)
     ORDER BY n
     ON CONFLICT (left_ref, right_ref) DO UPDATE SET score = EXCLUDED.score,
       levels = EXCLUDED.levels, reason = EXCLUDED.reason WHERE linker.review.status = 'pending'
     RETURNING review_id, left_ref, right_ref, (xmax = 0) AS inserted`,
    [
      pending.map((p) => p.left),
      pending.map((p) => p.right),
      pending.map((p) => p.score),
      pending.map((p) => `{${p.levels.join(",")}}`),
      pending.map((p) => p.reason),
    ],
  );
  const inserted = new Map(
    upserted.filter((r) => r.inserted).map((r) => [`${r.left_ref} ${r.right_ref}`, r.review_id]),
  );
  return pending.flatMap((p) => {
    const id = inserted.get(`${p.left} ${p.right}`);
    return id === undefined
      ? []
      : [{ reviewId: Number(id), left: p.left, right: p.right, score: p.score, reason: p.reason }];
  });
}

/** The `link.review` audit entry of a newly queued pair (event id from the pair and its id). */
export function reviewAuditEntry(r: ReviewItem, actor: { actor: string; role: string }) {
  return {
    eventId: derivedEventId("link.review", r.left, r.right, r.reviewId),
    ...actor,
    action: "link.review",
    object: `${r.left} ${r.right}`,
    reference: String(r.reviewId),
    details: { method: "pprl", score: r.score, reason: r.reason },
  };
}
