/**
 * Linker: consumes records.pseudonymised, links records into person clusters in its
 * PostgreSQL linkage store, publishes linkage.events and audits every decision.
 */
import { blindReady, readLinkerBlindKeys } from "@kruispunt/blind";
import { TOPICS } from "@kruispunt/bus";
import { decodeEvent } from "@kruispunt/contracts";
import {
  buildServiceApp,
  derivedEventId,
  KrpError,
  type ServiceContext,
  serviceAppOptions,
} from "@kruispunt/service-kit";
import { inTransaction } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { announceSettled } from "./announce";
import { unblindRecords } from "./blind";
import { updateDirectory } from "./directory";
import { directoryRoutes } from "./directory-routes";
import { abandonInterrupted } from "./estimate-job";
import { linkRecords } from "./exact-linkage";
import { analyzeBatchTablesIfStale, analyzeRecordsIfStale } from "./fresh-statistics";
import { parameterRoutes } from "./parameter-routes";
import { registerQualityStats } from "./quality-stats";
import { httpRekeyer } from "./rekey-client";
import { reviewRoutes } from "./review-routes";

const datasetRef = /^([a-z][a-z0-9_-]{0,63})\/([a-z][a-z0-9_-]{0,63})$/;

/**
 * Builds the app and starts the consumer. HTTP (role auditor):
 * - `GET /v1/stats` → `{records, withdrawn, clusters, linkedPairs, reviewPending}` (current
 *   state; reviewPending: pairs waiting in the clerical review queue).
 * - `GET /v1/links?left=AGENCY/DATASET&right=AGENCY/DATASET` → `{pairs: [{left, right, clusterId,
 *   method}]}`: source record ids of the records currently linked across the two datasets
 *   (the agencies' own record ids, never identifiers) and the method of the pair's link
 *   decision ("exact", "pprl", "review"; "exact" too for two records that share a cluster
 *   through a third). 400 if a dataset reference is malformed.
 * - `GET /v1/quality/datasets` (service): per-dataset counts for the quality reports (quality-stats.ts).
 * - `GET /v1/keys` (agency, auditor, service) → `{elgamalPublicKey}`: the hex ristretto255
 *   public key agencies encrypt blind-mode identifiers to (null without blind keys).
 * - `POST /v1/directory/lookup` (auditor, service): the reference directory, see
 *   directory-routes.ts.
 * - `GET /v1/review`, `POST /v1/review/:id/resolution` (reviewer): the clerical review
 *   queue of probabilistic linkage, see review-routes.ts.
 * - `GET /v1/linkage/parameters` (auditor, reviewer), `POST /v1/linkage/parameters/estimate`
 *   (reviewer), `GET /v1/linkage/parameters/estimates/:id`: the Fellegi–Sunter parameters
 *   in force, and their estimation by EM on this deployment's candidate pairs followed by
 *   a relink, in the background; see parameter-routes.ts.
 * Each link decision is audited as `link.decision` with its method ("exact", "pprl",
 * "review", "withdrawal", "update") and score, and counted in
 * kruispunt_link_decisions_total{method, outcome}; each pair queued for review as
 * `link.review`; a refused PPRL encoding as `link.refused` (the record still links exactly).
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await blindReady();
  // Blind mode: ElGamal secret x and the linker's own linkage key (null if not set up).
  const blind = readLinkerBlindKeys(ctx.config.keysDir);
  const app = buildServiceApp(serviceAppOptions(ctx));

  app.get("/v1/stats", { preHandler: app.authorize("auditor", "service") }, async () => {
    const { rows } = await ctx.pool.query(
      `SELECT count(*) FILTER (WHERE NOT withdrawn)::int AS records,
              count(*) FILTER (WHERE withdrawn)::int AS withdrawn,
              count(DISTINCT cluster_id)::int AS clusters
       FROM linker.records`,
    );
    const pairs = await ctx.pool.query(
      `SELECT count(*)::int AS n FROM linker.records a JOIN linker.records b
         ON a.cluster_id = b.cluster_id AND (a.agency, a.dataset) < (b.agency, b.dataset)
       WHERE NOT a.withdrawn AND NOT b.withdrawn`,
    );
    const review = await ctx.pool.query(
      "SELECT count(*)::int AS n FROM linker.review WHERE status = 'pending'",
    );
    return { ...rows[0], linkedPairs: pairs.rows[0].n, reviewPending: review.rows[0].n };
  });

  app.get("/v1/links", { preHandler: app.authorize("auditor") }, async (request) => {
    const query = request.query as { left?: string; right?: string };
    const left = datasetRef.exec(query.left ?? "");
    const right = datasetRef.exec(query.right ?? "");
    if (!left || !right)
      throw new KrpError(
        "KRP_ERR_BAD_REQUEST",
        "left and right: dataset references AGENCY/DATASET",
      );
    await analyzeRecordsIfStale(ctx.pool);
    const { rows } = await ctx.pool.query(
      `SELECT a.source_record_id AS left, b.source_record_id AS right, a.cluster_id AS "clusterId",
              coalesce(d.method, 'exact') AS method
       FROM linker.records a JOIN linker.records b ON a.cluster_id = b.cluster_id
       LEFT JOIN (
         -- a relinked pair: the method of its latest link
         SELECT DISTINCT ON (left_ref, right_ref) left_ref, right_ref, method FROM linker.decisions
         WHERE outcome = 'link' ORDER BY left_ref, right_ref, seq DESC
       ) d ON d.left_ref = least(a.agency || '/' || a.dataset || '/' || a.source_record_id COLLATE "C", b.agency || '/' || b.dataset || '/' || b.source_record_id COLLATE "C")
         AND d.right_ref = greatest(a.agency || '/' || a.dataset || '/' || a.source_record_id COLLATE "C", b.agency || '/' || b.dataset || '/' || b.source_record_id COLLATE "C")
         -- refs compared bytewise (COLLATE "C") as the linker sorts them in JS
       WHERE a.agency = $1 AND a.dataset = $2 AND b.agency = $3 AND b.dataset = $4
         AND NOT a.withdrawn AND NOT b.withdrawn
       ORDER BY a.source_record_id, b.source_record_id`,
      [left[1], left[2], right[1], right[2]],
    );
    return { pairs: rows };
  });

  app.get("/v1/keys", { preHandler: app.authorize("agency", "auditor", "service") }, async () => ({
    elgamalPublicKey: blind ? Buffer.from(blind.elgamalPublicKey).toString("hex") : null,
  }));

  registerQualityStats(app, ctx.pool);
  directoryRoutes(app, ctx.pool, ctx.audit);
  reviewRoutes(app, ctx);
  parameterRoutes(app, ctx);
  await abandonInterrupted(ctx.pool);

  const rekey = httpRekeyer(ctx.config.serviceUrls.pseudonymiser, ctx.jwtSecret);
  await ctx.bus.consume({
    groupId: "linker",
    topic: TOPICS.pseudonymised,
    // A batch settles the components it touches once, however many of its records are
    // in them: while catching up, up to 4 MiB (a few thousand records) at a time, not 1 MiB.
    maxBatchBytes: 4 * 1024 * 1024,
    handleBatch: async (messages) => {
      const timer = ctx.metrics.batchSeconds.startTimer({ topic: TOPICS.pseudonymised });
      const unblinded = unblindRecords(
        messages.map((m) => decodeEvent("PseudonymisedRecord", m.value)),
        blind,
      );
      const records = unblinded.records;
      if (unblinded.refused.length > 0) {
        ctx.logger.warn(
          { records: unblinded.refused.length },
          "blind-mode records that could not be decrypted were not linked",
        );
        await ctx.audit.record({
          eventId: derivedEventId("link.refused", ...unblinded.refused.slice(0, 1), "blind"),
          actor: "linker",
          role: "service",
          action: "link.refused",
          object: unblinded.refused.slice(0, 20).join(" "),
          counts: { records: unblinded.refused.length },
          details: { reason: "KRP_ERR_BLIND_DECRYPT" },
        });
      }
      await analyzeBatchTablesIfStale(ctx.pool);
      const outcome = await inTransaction(ctx.pool, async (client) => {
        const linked = await linkRecords(client, records, rekey);
        await updateDirectory(client, linked.events);
        return linked;
      });
      await announceSettled(ctx, outcome, { actor: "linker", role: "service" });
      if (outcome.pprlRefused.length > 0) {
        ctx.logger.warn(
          { records: outcome.pprlRefused.length },
          "PPRL encodings of another schema or key version were refused (records linked exactly only)",
        );
        await ctx.audit.record(
          ...outcome.pprlRefused.map((r) => ({
            eventId: derivedEventId("link.refused", r.ref, "pprl"),
            actor: "linker",
            role: "service",
            action: "link.refused",
            object: r.ref,
            counts: { records: 1 },
            details: { reason: r.code, method: "pprl" },
          })),
        );
      }
      ctx.metrics.records.inc({ stage: "link", outcome: "linked" }, outcome.events.length);
      ctx.metrics.recordsOut.inc({ stage: "linker" }, outcome.events.length);
      ctx.metrics.recordsRefused.inc(
        { stage: "linker", reason: "KRP_ERR_KEY_MISMATCH" },
        outcome.keyMismatch.length,
      );
      ctx.metrics.recordsRefused.inc(
        { stage: "linker", reason: "KRP_ERR_BLIND_DECRYPT" },
        unblinded.refused.length,
      );
      ctx.metrics.records.inc({ stage: "link", outcome: "stale" }, outcome.stale);
      ctx.metrics.records.inc(
        { stage: "link", outcome: "key-mismatch" },
        outcome.keyMismatch.length,
      );
      const first = messages[0];
      const batchId = [TOPICS.pseudonymised, first?.partition ?? 0, first?.offset ?? ""] as const;
      if (outcome.rekeyed > 0) {
        await ctx.audit.record({
          eventId: derivedEventId("link.rekey", ...batchId),
          actor: "linker",
          role: "service",
          action: "link.rekey",
          object: "linker.records",
          counts: { pseudonyms: outcome.rekeyed },
        });
      }
      if (outcome.keyMismatch.length > 0) {
        ctx.logger.warn(
          { records: outcome.keyMismatch.length },
          "records made under a different linkage key were not linked",
        );
        await ctx.audit.record({
          eventId: derivedEventId("link.refused", ...batchId),
          actor: "linker",
          role: "service",
          action: "link.refused",
          object: outcome.keyMismatch.slice(0, 20).join(" "),
          counts: { records: outcome.keyMismatch.length },
          details: { reason: "KRP_ERR_KEY_MISMATCH" },
        });
      }
      timer();
    },
  });
  return app;
}
