/**
 * Settling the clusters a batch touched (issue 5 item 4): after exact-linkage.ts has put
 * the batch's records in their exact groups and probabilistic-linkage.ts has scored
 * their pairs, the connected components those records touch (exact groups linked by
 * reviewers' links, scored pairs at or above the link threshold — the only pairs that can
 * join — or a shared cluster) are decided again from scratch by greedy-clusters.ts, and
 * the result is compared with the stored state. Then the review queue of every pair
 * touching a settled record follows (review-queue.ts: a pair's state depends only on its
 * two records' clusters, so pairs below the link threshold are not followed further). Only real
 * changes are written, published (linkage events) and logged (decisions.ts), so the
 * clusters are a function of the live records and the reviewers' resolutions alone.
 *
 * The pair state before is the decision log itself: a pair is linked when its latest
 * decision is "link". An ended link is decided "unlink" with method "withdrawal" (a
 * record withdrawn), "update" (a record's new version under another pseudonym) or
 * "pprl" (the probabilistic joins changed, e.g. an exact partner came); a new link with
 * method "exact" (one exact group) or the tie between the two groups (greedy-clusters.ts).
 */
import type { LinkageEvent, PseudonymisedRecord } from "@kruispunt/contracts";
import { DEFAULT_THRESHOLDS } from "@kruispunt/pprl";
import type { PoolClient } from "@kruispunt/store";
import { decideAll, type LinkDecision, latestDecisions } from "./decisions";
import { type Group, type ScoredEdge, solve } from "./greedy-clusters";
import {
  type Placed,
  pendingPairs,
  type ReviewCandidate,
  type ReviewItem,
  refreshQueue,
} from "./review-queue";

/** Where to start: exact groups (home clusters) and clusters touched. */
export interface Seeds {
  homes: Set<string>;
  clusters: Set<string>;
}

/** A record applied in this batch: its final version and its state before the batch. */
export interface Applied {
  record: PseudonymisedRecord;
  before: { live: boolean; clusterId: string | null; pseudonym: string | null };
}

export interface Settled {
  events: LinkageEvent[];
  decisions: LinkDecision[];
  review: ReviewItem[];
  /** Final cluster of every live record of the components. */
  clusterOf: Map<string, string>;
}

interface Member {
  ref: string;
  agency: string;
  dataset: string;
  sourceRecordId: string;
  version: number;
  linkagePseudonym: string;
  variables: Record<string, string>;
  home: string;
  clusterId: string;
  linkedBy: string;
}

/**
 * Decides the components reached from `seeds` again, writes the records whose cluster
 * changed, and returns the linkage events (one per record of `applied`, in its order,
 * then one per other record that moved), the decisions of changed pairs (and of the
 * applied records' current links, so a redelivered batch is audited under the same ids)
 * and the pairs newly queued for review.
 */
export async function settle(
  client: PoolClient,
  seeds: Seeds,
  applied: ReadonlyMap<string, Applied>,
): Promise<Settled> {
  const { members, edges } = await loadComponents(client, seeds);
  const groups = new Map<string, Group & { datasets: string[] }>();
  for (const m of members.values()) {
    const g = groups.get(m.home) ?? { home: m.home, size: 0, datasets: [] };
    g.size += 1;
    g.datasets.push(`${m.agency}/${m.dataset}`);
    groups.set(m.home, g);
  }
  const scored: ScoredEdge[] = edges.flatMap((e) => {
    const [l, r] = [members.get(e.left), members.get(e.right)];
    return l && r ? [{ ...e, leftHome: l.home, rightHome: r.home }] : [];
  });
  const solution = solve([...groups.values()], scored);
  const clusterOf = new Map<string, string>();
  const tieOf = (m: Member) => {
    const clusterId = solution.clusterOf.get(m.home) as string;
    return { clusterId, ...solution.tie(m.home, clusterId) };
  };
  const moved: Member[] = [];
  for (const m of members.values()) {
    const t = tieOf(m);
    clusterOf.set(m.ref, t.clusterId);
    if (t.clusterId !== m.clusterId || t.method !== m.linkedBy) moved.push(m);
  }
  if (moved.length > 0) {
    await client.query(
      `UPDATE linker.records r SET cluster_id = u.cluster_id, linked_by = u.linked_by, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(ref, cluster_id, linked_by)
       WHERE r.ref = u.ref`,
      [
        moved.map((m) => m.ref),
        moved.map((m) => clusterOf.get(m.ref)),
        moved.map((m) => tieOf(m).method),
      ],
    );
  }
  // The settled records and the batch's withdrawn ones: whose decisions and review
  // pairs are brought up to date.
  const settled = [...new Set([...members.keys(), ...applied.keys()])];
  const decisions = await decidePairs(client, members, clusterOf, solution.tie, applied, settled);
  const events: LinkageEvent[] = [];
  for (const [ref, a] of applied) {
    const r = a.record;
    const m = members.get(ref);
    if (!m) {
      events.push({
        kind: "UNLINKED",
        ...eventKey(r),
        clusterId: a.before.live ? (a.before.clusterId ?? "") : "",
        linkagePseudonym: "",
        variables: {},
        method: "withdrawal",
        score: 0,
      });
      continue;
    }
    const t = tieOf(m);
    events.push({
      kind: a.before.live ? "UPDATED" : "LINKED",
      ...eventKey(r),
      clusterId: t.clusterId,
      linkagePseudonym: m.linkagePseudonym,
      variables: m.variables,
      method: t.method,
      score: t.score,
    });
  }
  for (const m of [...members.values()].sort((a, b) => (a.ref < b.ref ? -1 : 1))) {
    const t = tieOf(m);
    if (applied.has(m.ref) || t.clusterId === m.clusterId) continue;
    events.push({
      kind: "UPDATED",
      agency: m.agency,
      dataset: m.dataset,
      sourceRecordId: m.sourceRecordId,
      version: m.version,
      clusterId: t.clusterId,
      linkagePseudonym: m.linkagePseudonym,
      variables: m.variables,
      method: t.method,
      score: t.score,
    });
  }
  const review = await refreshQueue(
    client,
    settled,
    pendingPairs(...(await reviewPairs(client, members, clusterOf, settled))),
  );
  return { events, decisions, review, clusterOf };
}

const eventKey = (r: PseudonymisedRecord) => ({
  agency: r.agency,
  dataset: r.dataset,
  sourceRecordId: r.sourceRecordId,
  version: r.version,
});

/**
 * The live records of the components reached from `seeds` (by home, by cluster, and
 * along reviewers' links and unrefused scored pairs at or above the link threshold),
 * and those pairs: all that greedy-clusters.ts can join by.
 */
async function loadComponents(
  client: PoolClient,
  seeds: Seeds,
): Promise<{ members: Map<string, Member>; edges: ReviewCandidate[] }> {
  const members = new Map<string, Member>();
  const edges = new Map<string, ReviewCandidate>();
  const homes = new Set<string>();
  const clusters = new Set<string>();
  let next = { homes: [...seeds.homes], clusters: [...seeds.clusters] };
  while (next.homes.length > 0 || next.clusters.length > 0) {
    for (const h of next.homes) homes.add(h);
    for (const c of next.clusters) clusters.add(c);
    const { rows } = await client.query<{
      ref: string;
      agency: string;
      dataset: string;
      source_record_id: string;
      version: string;
      linkage_pseudonym: string;
      variables: Record<string, string>;
      home_cluster: string;
      cluster_id: string;
      linked_by: string;
    }>(
      `SELECT ref, agency, dataset, source_record_id, version, linkage_pseudonym, variables,
              home_cluster, cluster_id, linked_by
       FROM linker.records
       WHERE NOT withdrawn AND (home_cluster = ANY($1) OR cluster_id = ANY($2))`,
      [next.homes, next.clusters],
    );
    const fresh = rows.filter((r) => !members.has(r.ref));
    for (const r of fresh)
      members.set(r.ref, {
        ref: r.ref,
        agency: r.agency,
        dataset: r.dataset,
        sourceRecordId: r.source_record_id,
        version: Number(r.version),
        linkagePseudonym: r.linkage_pseudonym,
        variables: r.variables,
        home: r.home_cluster,
        clusterId: r.cluster_id,
        linkedBy: r.linked_by,
      });
    const found = { homes: new Set<string>(), clusters: new Set<string>() };
    for (const r of fresh) {
      if (!homes.has(r.home_cluster)) found.homes.add(r.home_cluster);
      if (!clusters.has(r.cluster_id)) found.clusters.add(r.cluster_id);
    }
    const refs = fresh.map((r) => r.ref);
    if (refs.length > 0) {
      const pairs = await scoredPairs(client, refs, DEFAULT_THRESHOLDS.link);
      const outside = new Set<string>();
      for (const p of pairs) {
        const key = `${p.left} ${p.right}`;
        const known = edges.get(key);
        // A reviewer's link listed twice (as candidate and as review row): one edge.
        if (!known || p.resolution !== null)
          edges.set(key, {
            ...p,
            score: known?.score ?? p.score,
            levels: known?.levels ?? p.levels,
          });
        for (const ref of [p.left, p.right]) if (!members.has(ref)) outside.add(ref);
      }
      if (outside.size > 0) {
        const more = await client.query<{ home_cluster: string }>(
          "SELECT DISTINCT home_cluster FROM linker.records WHERE ref = ANY($1) AND NOT withdrawn",
          [[...outside]],
        );
        for (const r of more.rows) if (!homes.has(r.home_cluster)) found.homes.add(r.home_cluster);
      }
    }
    next = { homes: [...found.homes], clusters: [...found.clusters] };
  }
  return { members, edges: [...edges.values()] };
}

/**
 * The scored pairs touching `refs`, with the reviewer's resolution: all of them
 * (`joining` null), or only those that can join clusters (greedy-clusters.ts) — at or
 * above `joining` and not refused by a reviewer, and the reviewers' links whatever their
 * weight (a reviewer's link may then come twice: as candidate and as review row).
 */
async function scoredPairs(
  client: PoolClient,
  refs: readonly string[],
  joining: number | null,
): Promise<ReviewCandidate[]> {
  const { rows } = await client.query<{
    left_ref: string;
    right_ref: string;
    score: number;
    levels: number[];
    status: string | null;
  }>(
    joining === null
      ? `SELECT c.left_ref, c.right_ref, c.score, c.levels, v.status
         FROM linker.candidates c LEFT JOIN linker.review v USING (left_ref, right_ref)
         WHERE c.left_ref = ANY($1) OR c.right_ref = ANY($1)`
      : `SELECT c.left_ref, c.right_ref, c.score, c.levels, v.status
         FROM linker.candidates c LEFT JOIN linker.review v USING (left_ref, right_ref)
         WHERE (c.left_ref = ANY($1) OR c.right_ref = ANY($1)) AND c.score >= $2
           AND v.status IS DISTINCT FROM 'no_link'
         UNION
         SELECT left_ref, right_ref, score, levels, status FROM linker.review
         WHERE status = 'link' AND (left_ref = ANY($1) OR right_ref = ANY($1))`,
    joining === null ? [refs] : [refs, joining],
  );
  return rows.map((p) => ({
    left: p.left_ref,
    right: p.right_ref,
    score: p.score,
    levels: p.levels,
    resolution: p.status === "link" || p.status === "no_link" ? p.status : null,
  }));
}

/**
 * Every scored pair touching `settled` (`members`, placed in `clusterOf`, and the
 * batch's withdrawn records), with the reviewer's resolution, and where each of their
 * records stands: a member in its new cluster, any other live record in its stored one
 * (which this batch did not touch: its cluster would be in the component), each with the
 * datasets its cluster holds.
 */
async function reviewPairs(
  client: PoolClient,
  members: ReadonlyMap<string, Member>,
  clusterOf: ReadonlyMap<string, string>,
  settled: readonly string[],
): Promise<[ReviewCandidate[], Map<string, Placed>]> {
  const pairs = await scoredPairs(client, settled, null);
  const holds = new Map<string, Set<string>>();
  for (const m of members.values()) {
    const c = clusterOf.get(m.ref) as string;
    holds.set(c, (holds.get(c) ?? new Set()).add(`${m.agency}/${m.dataset}`));
  }
  const placed = new Map<string, Placed>();
  for (const m of members.values()) {
    const clusterId = clusterOf.get(m.ref) as string;
    placed.set(m.ref, {
      dataset: `${m.agency}/${m.dataset}`,
      clusterId,
      holds: holds.get(clusterId) as Set<string>,
    });
  }
  const outside = [
    ...new Set(pairs.flatMap((p) => [p.left, p.right]).filter((r) => !members.has(r))),
  ];
  if (outside.length > 0) {
    const others = await client.query<{
      ref: string;
      dataset: string;
      cluster_id: string;
      holds: string[];
    }>(
      `SELECT o.ref, o.agency || '/' || o.dataset AS dataset, o.cluster_id,
              ARRAY(SELECT DISTINCT h.agency || '/' || h.dataset FROM linker.records h
                    WHERE h.cluster_id = o.cluster_id AND NOT h.withdrawn) AS holds
       FROM linker.records o WHERE o.ref = ANY($1) AND NOT o.withdrawn`,
      [outside],
    );
    for (const o of others.rows)
      placed.set(o.ref, { dataset: o.dataset, clusterId: o.cluster_id, holds: new Set(o.holds) });
  }
  return [pairs, placed];
}

/**
 * Logs the pairs whose state changed: links between records of one final cluster from
 * different datasets, unlinks of pairs linked before and not now. Unlinks first, each
 * kind in (left, right) order.
 */
async function decidePairs(
  client: PoolClient,
  members: Map<string, Member>,
  clusterOf: Map<string, string>,
  tie: (a: string, b: string) => { method: string; score: number },
  applied: ReadonlyMap<string, Applied>,
  settled: readonly string[],
): Promise<LinkDecision[]> {
  const latest = await latestDecisions(client, settled);
  const linkedBefore = new Map([...latest].filter(([, d]) => d.outcome === "link"));
  const byCluster = new Map<string, Member[]>();
  for (const m of members.values()) {
    const c = clusterOf.get(m.ref) as string;
    const list = byCluster.get(c);
    if (list) list.push(m);
    else byCluster.set(c, [m]);
  }
  const linkedNow = new Map<string, [Member, Member]>();
  for (const list of byCluster.values())
    for (const a of list)
      for (const b of list)
        if (a.ref < b.ref && (a.agency !== b.agency || a.dataset !== b.dataset))
          linkedNow.set(`${a.ref} ${b.ref}`, [a, b]);
  const endedBy = (ref: string) => {
    const a = applied.get(ref);
    if (!a) return null;
    if (a.record.withdrawn) return "withdrawal";
    return a.before.live && a.before.pseudonym !== a.record.linkagePseudonym ? "update" : null;
  };
  const decisions: Omit<LinkDecision, "seq">[] = [];
  for (const key of [...linkedBefore.keys()].sort()) {
    if (linkedNow.has(key)) continue;
    const { left, right } = linkedBefore.get(key) as LinkDecision;
    const clusterId =
      applied.get(left)?.before.clusterId ??
      applied.get(right)?.before.clusterId ??
      members.get(left)?.clusterId ??
      members.get(right)?.clusterId ??
      "";
    const method = endedBy(left) ?? endedBy(right) ?? "pprl";
    decisions.push({ left, right, clusterId, method, score: 0, outcome: "unlink" });
  }
  for (const key of [...linkedNow.keys()].sort()) {
    const [a, b] = linkedNow.get(key) as [Member, Member];
    if (linkedBefore.has(key) && !applied.has(a.ref) && !applied.has(b.ref)) continue;
    const how = tie(a.home, b.home);
    const clusterId = clusterOf.get(a.ref) as string;
    decisions.push({ left: a.ref, right: b.ref, clusterId, ...how, outcome: "link" });
  }
  return decideAll(client, decisions, latest);
}
