/**
 * The clerical review queue (issue 5): pairs the probabilistic linkage could not
 * decide (probabilistic-linkage.ts), listed and resolved by a reviewer. Only record
 * references, the match weight and the per-field agreement levels are shown: never a
 * quasi-identifier or content (the linker holds none).
 */
import { KrpError, type ServiceContext } from "@kruispunt/service-kit";
import { inTransaction, type PoolClient } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { announceSettled } from "./announce";
import { updateDirectory } from "./directory";
import { lockKeyState } from "./key-state";
import { type Settled, settle } from "./settle";

/** Roles that may read and resolve the queue. */
export const REVIEW_ROLES = ["reviewer"] as const;

interface ReviewRow {
  review_id: string;
  left_ref: string;
  right_ref: string;
  score: number;
  levels: number[];
  reason: string;
  status: string;
  created_at: Date;
}

/** The live record named by `ref`, locked, or null. */
async function liveRecord(
  client: PoolClient,
  ref: string,
): Promise<{ home: string; clusterId: string } | null> {
  const { rows } = await client.query<{ home_cluster: string; cluster_id: string }>(
    `SELECT home_cluster, cluster_id FROM linker.records
     WHERE ref = $1 AND NOT withdrawn AND cluster_id IS NOT NULL FOR UPDATE`,
    [ref],
  );
  const row = rows[0];
  return row ? { home: row.home_cluster, clusterId: row.cluster_id } : null;
}

/**
 * Links a reviewed pair: the resolution "link" is stored first, then the pair's
 * component is settled again (settle.ts), where a reviewer's link is taken before any
 * scored pair. 409 KRP_ERR_CONFLICT when a record was withdrawn since, or when the two
 * still end in different clusters: joining them would put two records of one dataset in
 * a cluster (one-to-one; an exact partner always wins), and the transaction is undone.
 */
async function linkPair(client: PoolClient, row: ReviewRow): Promise<Settled> {
  const left = await liveRecord(client, row.left_ref);
  const right = await liveRecord(client, row.right_ref);
  if (!left || !right)
    throw new KrpError("KRP_ERR_CONFLICT", "a record of this pair was withdrawn since", {
      reviewId: Number(row.review_id),
      withdrawn: [...(left ? [] : [row.left_ref]), ...(right ? [] : [row.right_ref])],
    });
  await client.query("UPDATE linker.review SET status = 'link' WHERE review_id = $1", [
    row.review_id,
  ]);
  const settled = await settle(
    client,
    {
      homes: new Set([left.home, right.home]),
      clusters: new Set([left.clusterId, right.clusterId]),
    },
    new Map(),
  );
  if (settled.clusterOf.get(row.left_ref) !== settled.clusterOf.get(row.right_ref))
    throw new KrpError(
      "KRP_ERR_CONFLICT",
      "the clusters of these records hold records of one dataset: linking them would break one-to-one",
      { reviewId: Number(row.review_id), left: row.left_ref, right: row.right_ref },
    );
  return settled;
}

const reviewItem = (r: ReviewRow) => ({
  reviewId: Number(r.review_id),
  left: r.left_ref,
  right: r.right_ref,
  score: r.score,
  levels: r.levels,
  reason: r.reason,
  status: r.status,
  createdAt: r.created_at.toISOString(),
});

const itemSchema = {
  type: "object",
  properties: {
    reviewId: { type: "integer" },
    left: { type: "string", description: "agency/dataset/source record id" },
    right: { type: "string" },
    score: { type: "number", description: "Fellegi–Sunter match weight (log2)" },
    levels: {
      type: "array",
      items: { type: "integer" },
      description:
        "agreement level per field of schema kruispunt-person/v1 (3 ≥ 0.95 Dice … 0, −1 missing)",
    },
    reason: { type: "string", enum: ["score", "conflict"] },
    status: { type: "string", enum: ["pending", "link", "no_link"] },
    createdAt: { type: "string", format: "date-time" },
  },
} as const;

/**
 * Registers, for role reviewer (401 without a token, 403 for every other role):
 * - `GET /v1/review?limit=N` (1–1000, default 100) → `{pending: [{reviewId, left, right,
 *   score, levels, reason, status, createdAt}]}`, oldest first: record references and
 *   scores only. `reason` "score": between the review and link thresholds; "conflict": a
 *   link-level pair that would put a record in a second cluster or a cluster in two
 *   records of one dataset.
 * - `POST /v1/review/:id/resolution` body `{decision: "link"|"no_link", reason: 1–500
 *   characters}` → `{reviewId, status, clusterId|null}`. "link" links the pair (see
 *   `linkPair`), published on linkage.events and audited as `link.decision` (method
 *   "review"); every resolution is audited as `review.resolution` with the reviewer.
 *   400 naming the field for bad input; 404 for an unknown id; 409 KRP_ERR_CONFLICT when
 *   already resolved or when the link is no longer possible.
 */
export function reviewRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    "/v1/review",
    {
      preHandler: app.authorize(...REVIEW_ROLES),
      schema: {
        description:
          "Clerical review queue: pending pairs with their match weight and agreement levels; references only, no content.",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: {
            type: "object",
            properties: { pending: { type: "array", items: itemSchema } },
          },
        },
      },
    },
    async (request) => {
      const { limit } = request.query as { limit: number };
      const { rows } = await ctx.pool.query<ReviewRow>(
        `SELECT review_id, left_ref, right_ref, score, levels, reason, status, created_at
         FROM linker.review WHERE status = 'pending' ORDER BY review_id LIMIT $1`,
        [limit],
      );
      return { pending: rows.map(reviewItem) };
    },
  );

  app.post(
    "/v1/review/:id/resolution",
    {
      preHandler: app.authorize(...REVIEW_ROLES),
      schema: {
        description:
          "Resolves one review item: link (the pair joins one cluster) or no_link, with the reviewer's reason; audited.",
        params: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
        },
        body: {
          type: "object",
          required: ["decision", "reason"],
          additionalProperties: false,
          properties: {
            decision: { type: "string", enum: ["link", "no_link"] },
            reason: { type: "string", minLength: 1, maxLength: 500 },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              reviewId: { type: "integer" },
              status: { type: "string", enum: ["link", "no_link"] },
              clusterId: { type: ["string", "null"] },
            },
          },
        },
      },
    },
    async (request) => {
      const id = (request.params as { id: number }).id;
      const { decision, reason } = request.body as { decision: "link" | "no_link"; reason: string };
      const result = await inTransaction(ctx.pool, async (client) => {
        // The consumer's batches hold this lock too: a resolution never interleaves with one.
        await lockKeyState(client);
        const { rows } = await client.query<ReviewRow>(
          `SELECT review_id, left_ref, right_ref, score, levels, reason, status, created_at
           FROM linker.review WHERE review_id = $1 FOR UPDATE`,
          [id],
        );
        const row = rows[0];
        if (!row) throw new KrpError("KRP_ERR_NOT_FOUND", `review item ${id} does not exist`);
        if (row.status !== "pending")
          throw new KrpError("KRP_ERR_CONFLICT", `review item ${id} is already resolved`, {
            reviewId: id,
            status: row.status,
          });
        const linked =
          decision === "link"
            ? await linkPair(client, row)
            : { events: [], decisions: [], review: [], clusterOf: new Map<string, string>() };
        await updateDirectory(client, linked.events);
        await client.query(
          `UPDATE linker.review SET status = $2, resolved_by = $3, resolved_at = now(), resolution_reason = $4
           WHERE review_id = $1`,
          [id, decision, request.user.sub, reason],
        );
        return { row, ...linked };
      });
      const who = { actor: request.user.sub, role: request.user.role };
      await announceSettled(ctx, result, who, {
        ...who,
        action: "review.resolution",
        object: `${result.row.left_ref} ${result.row.right_ref}`,
        reference: String(id),
        details: { decision, reason, score: result.row.score },
      });
      return {
        reviewId: id,
        status: decision,
        clusterId: result.clusterOf.get(result.row.left_ref) ?? null,
      };
    },
  );
}
