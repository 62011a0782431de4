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
 * Appends `d` to its pair's log when it changes the pair's state and returns it with
 * its `seq`; when the pair's latest decision already has `d.outcome`, returns that
 * decision (unchanged, as stored); an "unlink" of a pair never linked returns null.
 * Callers hold the key-state lock (key-state.ts), so no two transactions append to one
 * pair at once.
 */
export async function decide(
  client: PoolClient,
  d: Omit<LinkDecision, "seq">,
): Promise<LinkDecision | null> {
  const { rows } = await client.query<{
    seq: number;
    outcome: "link" | "unlink";
    cluster_id: string;
    method: string;
    score: number;
  }>(
    `SELECT seq, outcome, cluster_id, method, score FROM linker.decisions
     WHERE left_ref = $1 AND right_ref = $2 ORDER BY seq DESC LIMIT 1`,
    [d.left, d.right],
  );
  const last = rows[0];
  if (last?.outcome === d.outcome) {
    return {
      ...d,
      clusterId: last.cluster_id,
      method: last.method,
      score: last.score,
      seq: last.seq,
    };
  }
  if (!last && d.outcome === "unlink") return null;
  const seq = (last?.seq ?? 0) + 1;
  await client.query(
    `INSERT INTO linker.decisions (left_ref, right_ref, cluster_id, method, score, outcome, seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [d.left, d.right, d.clusterId, d.method, d.score, d.outcome, seq],
  );
  return { ...d, seq };
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
