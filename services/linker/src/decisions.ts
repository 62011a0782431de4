/**
 * Link decisions: the per-pair transition log in linker.decisions (issue 5).
 *
 * A pair is two source records of different datasets, named in sorted order
 * ("agency/dataset/id", compared bytewise), so each pair has one log. Its decisions are
 * numbered 1, 2, 3, … (`seq`); a decision is stored only when it changes the pair's
 * current state (the outcome of its latest decision; no decision yet means not linked).
 * So a pair linked, unlinked by a withdrawal and linked again when the record returns
 * holds three decisions, while the same batch applied twice (Kafka redelivers at least
 * once) stores nothing new and reports the same `seq`, hence the same audit event id.
 */
import { derivedEventId } from "@kruispunt/service-kit";
import type { PoolClient } from "@kruispunt/store";

export interface LinkDecision {
  left: string;
  right: string;
  clusterId: string;
  method: string;
  score: number;
  outcome: "link" | "unlink";
  /** The decision's number in its pair's log (1 for the first). */
  seq: number;
}

export const recordRef = (r: { agency: string; dataset: string; sourceRecordId: string }) =>
  `${r.agency}/${r.dataset}/${r.sourceRecordId}`;

/**
 * The latest decision of every pair touching `refs`, by "left right". One statement.
 */
export async function latestDecisions(
  client: PoolClient,
  refs: readonly string[],
): Promise<Map<string, LinkDecision>> {
  const { rows } = await client.query<{
    left_ref: string;
    right_ref: string;
    seq: number;
    outcome: "link" | "unlink";
    cluster_id: string;
    method: string;
    score: number;
  }>(
    `SELECT DISTINCT ON (left_ref, right_ref) left_ref, right_ref, seq, outcome, cluster_id, method, score
     FROM linker.decisions WHERE left_ref = ANY($1) OR right_ref = ANY($1)
     ORDER BY left_ref, right_ref, seq DESC`,
    [refs],
  );
  return new Map(
    rows.map((r) => [
      `${r.left_ref} ${r.right_ref}`,
      {
        left: r.left_ref,
        right: r.right_ref,
        seq: r.seq,
        outcome: r.outcome,
        clusterId: r.cluster_id,
        method: r.method,
        score: r.score,
      },
    ]),
  );
}

/**
 * Appends each of `ds` (distinct pairs) to its pair's log when it changes the pair's
 * state, in one INSERT, and returns them in order with their `seq`: when the pair's
 * latest decision (`latest`, from latestDecisions over both records) already has
 * `d.outcome`, that decision (unchanged, as stored); an "unlink" of a pair never linked
 * is left out. Callers hold the key-state lock (key-state.ts), so no two transactions
 * append to one pair at once.
 */
export async function decideAll(
  client: PoolClient,
  ds: readonly Omit<LinkDecision, "seq">[],
  latest: ReadonlyMap<string, LinkDecision>,
): Promise<LinkDecision[]> {
  const out: LinkDecision[] = [];
  const fresh: LinkDecision[] = [];
  for (const d of ds) {
    const last = latest.get(`${d.left} ${d.right}`);
    if (last?.outcome === d.outcome) {
      out.push({ ...d, ...last });
      continue;
    }
    if (!last && d.outcome === "unlink") continue;
    const decided = { ...d, seq: (last?.seq ?? 0) + 1 };
    out.push(decided);
    fresh.push(decided);
  }
  if (fresh.length > 0)
    await client.query(
      `INSERT INTO linker.decisions (left_ref, right_ref, cluster_id, method, score, outcome, seq)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[], $7::int[])`,
      [
        fresh.map((d) => d.left),
        fresh.map((d) => d.right),
        fresh.map((d) => d.clusterId),
        fresh.map((d) => d.method),
        fresh.map((d) => d.score),
        fresh.map((d) => d.outcome),
        fresh.map((d) => d.seq),
      ],
    );
  return out;
}

/**
 * The `link.decision` audit entry of `d` for `actor`: object "left right", counts.pairs
 * +1 for a link and −1 for an unlink, and an event id derived from the pair, outcome and
 * `seq`, so a replay is taken once and a relink is audited anew.
 */
export function decisionAuditEntry(d: LinkDecision, actor: { actor: string; role: string }) {
  return {
    eventId: derivedEventId("link.decision", d.left, d.right, d.outcome, d.seq),
    ...actor,
    action: "link.decision",
    object: `${d.left} ${d.right}`,
    counts: { pairs: d.outcome === "link" ? 1 : -1 },
    details: { outcome: d.outcome, method: d.method, score: d.score, cluster: d.clusterId },
  };
}
