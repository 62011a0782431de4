/**
 * Estimation runs in the background (estimate.ts does the work): scanning every
 * candidate pair and settling every cluster again takes seconds for 10,000 records and
 * minutes for millions, longer than an HTTP request may idle (30 s). A run is a row of
 * linker.fs_estimates, so its status survives the request and a restart: one runs at a
 * time (a unique index), and a run the linker was stopped in is marked failed at the
 * next start — its transaction never committed, so nothing changed.
 */
import { KrpError, type ServiceContext } from "@kruispunt/service-kit";
import { inTransaction, type Pool } from "@kruispunt/store";
import { announceSettled } from "./announce";
import { updateDirectory } from "./directory";
import { EstimateRefused, estimateParameters, relink } from "./estimate";

export interface RelinkCounts {
  /** Pairs newly linked and links ended. */
  links: number;
  unlinks: number;
  /** Records whose cluster changed. */
  moved: number;
  /** Pairs newly queued for clerical review. */
  review: number;
  /** Scored pairs kept (at or above the review threshold) under the new parameters. */
  candidates: number;
  /** Candidate pairs EM ran on, and their distinct comparison vectors. */
  pairs: number;
  patterns: number;
}

export interface EstimateStatus {
  estimateId: number;
  status: "running" | "done" | "refused" | "failed";
  requestedBy: string;
  requestedAt: string;
  finishedAt: string | null;
  /** The parameter version it stored (status done). */
  version: number | null;
  result: RelinkCounts | null;
  /** Why it was refused or failed. */
  reason: string | null;
}

type Who = { actor: string; role: string };

/** Marks runs left "running" by a stopped linker as failed; called at start. */
export async function abandonInterrupted(pool: Pool): Promise<void> {
  await pool.query(
    `UPDATE linker.fs_estimates SET status = 'failed', finished_at = now(),
       reason = 'the linker stopped before the estimate finished; nothing changed'
     WHERE status = 'running'`,
  );
}

/**
 * Starts an estimate as `who` and returns its id at once; the run goes on in the
 * background (`run`). 409 KRP_ERR_CONFLICT while another is running.
 */
export async function startEstimate(ctx: ServiceContext, who: Who): Promise<number> {
  let id: number;
  try {
    const { rows } = await ctx.pool.query<{ estimate_id: string }>(
      "INSERT INTO linker.fs_estimates (status, requested_by) VALUES ('running', $1) RETURNING estimate_id",
      [who.actor],
    );
    id = Number(rows[0]?.estimate_id);
  } catch (error) {
    if ((error as { code?: string }).code !== "23505") throw error;
    const { rows } = await ctx.pool.query<{ estimate_id: string }>(
      "SELECT estimate_id FROM linker.fs_estimates WHERE status = 'running'",
    );
    throw new KrpError("KRP_ERR_CONFLICT", "an estimate is already running", {
      estimateId: Number(rows[0]?.estimate_id),
    });
  }
  void run(ctx, id, who);
  return id;
}

async function finish(
  pool: Pool,
  id: number,
  status: EstimateStatus["status"],
  fields: { version?: number; result?: RelinkCounts; reason?: string },
): Promise<void> {
  await pool.query(
    `UPDATE linker.fs_estimates SET status = $2, finished_at = now(), version = $3, result = $4, reason = $5
     WHERE estimate_id = $1`,
    [id, status, fields.version ?? null, fields.result ?? null, fields.reason ?? null],
  );
}

/** The run: EM, relink, then publish the changes and audit them (as the batch path does). */
async function run(ctx: ServiceContext, id: number, who: Who): Promise<void> {
  try {
    const estimate = await estimateParameters(ctx.pool);
    const relinked = await inTransaction(ctx.pool, async (client) => {
      const r = await relink(client, estimate, who.actor);
      await updateDirectory(client, r.events);
      return r;
    });
    const links = relinked.decisions.filter((d) => d.outcome === "link").length;
    const result: RelinkCounts = {
      links,
      unlinks: relinked.decisions.length - links,
      moved: relinked.events.length,
      review: relinked.review.length,
      candidates: relinked.candidates,
      pairs: estimate.pairs,
      patterns: estimate.patterns,
    };
    await announceSettled(ctx, relinked, who, {
      ...who,
      action: "linkage.parameters",
      object: "linker.fs_parameters",
      reference: String(relinked.version),
      counts: { pairs: estimate.pairs, links: result.links, unlinks: result.unlinks },
      details: { schemaId: estimate.schemaId, p: estimate.params.p, patterns: estimate.patterns },
    });
    await finish(ctx.pool, id, "done", { version: relinked.version, result });
  } catch (error) {
    const refused = error instanceof EstimateRefused;
    if (!refused) ctx.logger.error({ err: error, estimateId: id }, "estimate failed");
    await finish(ctx.pool, id, refused ? "refused" : "failed", {
      // Our own message when refused; otherwise only a pointer (a driver's error may
      // quote a row).
      reason: refused ? error.message : "internal error; the linker's log has the cause",
    }).catch((e: unknown) => ctx.logger.error({ err: e, estimateId: id }, "estimate status lost"));
  }
}

/** The status of estimate `id`, or null if there is none. */
export async function estimateStatus(pool: Pool, id: number): Promise<EstimateStatus | null> {
  const { rows } = await pool.query<{
    estimate_id: string;
    status: EstimateStatus["status"];
    requested_by: string;
    requested_at: Date;
    finished_at: Date | null;
    version: number | null;
    result: RelinkCounts | null;
    reason: string | null;
  }>("SELECT * FROM linker.fs_estimates WHERE estimate_id = $1", [id]);
  const r = rows[0];
  if (!r) return null;
  return {
    estimateId: Number(r.estimate_id),
    status: r.status,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    version: r.version,
    result: r.result,
    reason: r.reason,
  };
}
