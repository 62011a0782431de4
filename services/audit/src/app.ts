/**
 * Audit: appends every service's audit.events to a hash chain in PostgreSQL,
 * signs checkpoints of the chain head (Ed25519), and serves auditors.
 */
import { verifyChain } from "@kruispunt/audit-chain";
import { TOPICS } from "@kruispunt/bus";
import { decodeEvent } from "@kruispunt/contracts";
import { cryptoReady, currentKey, readKeyring } from "@kruispunt/crypto";
import {
  buildServiceApp,
  databaseReady,
  KrpError,
  keyFiles,
  type ServiceContext,
} from "@kruispunt/service-kit";
import { inTransaction } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import {
  appendEvents,
  checkpointHead,
  readCheckpoints,
  readEntries,
  rowToEntry,
  toAuditEvent,
} from "./chain-store";

/** Sign a checkpoint after this many new entries, or this often when entries arrived. */
const CHECKPOINT_EVERY_ENTRIES = 1000;
const CHECKPOINT_EVERY_MS = 30_000;

const querySchema = z.object({
  action: z.string().max(100).optional(),
  actor: z.string().max(128).optional(),
  service: z.string().max(50).optional(),
  object: z.string().max(300).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * Builds the app and starts the audit.events consumer. HTTP (role auditor):
 * - `GET /v1/audit/entries?action&actor&service&object&from&to&afterSeq&limit` → `{entries, nextAfterSeq}`;
 *   `object` matches a prefix; `from`/`to` are ISO-8601 bounds on occurredAt.
 * - `GET /v1/audit/verify?fromSeq&toSeq` → `VerifyResult` plus `{checkpoints}`; names the first bad entry.
 * - `GET /v1/audit/checkpoints` → signed checkpoints; `POST` signs the current head now.
 * - `GET /v1/audit/stats` → `{entries, head, byAction}`.
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await cryptoReady();
  const signing = currentKey(readKeyring(keyFiles(ctx.config.keysDir).auditKeyring), "signing");
  const app = buildServiceApp({
    name: "audit",
    logger: ctx.logger,
    metrics: ctx.metrics,
    jwtSecret: ctx.jwtSecret,
    ready: databaseReady(ctx.pool),
  });

  app.get("/v1/audit/entries", { preHandler: app.authorize("auditor") }, async (request) => {
    const parsed = querySchema.safeParse(request.query);
    if (!parsed.success)
      throw new KrpError("KRP_ERR_BAD_REQUEST", "invalid filter", {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    const q = parsed.data;
    const where = ["seq > $1"];
    const params: unknown[] = [q.afterSeq];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (q.action) add("action = ?", q.action);
    if (q.actor) add("actor = ?", q.actor);
    if (q.service) add("service = ?", q.service);
    if (q.object) add("starts_with(object, ?)", q.object);
    if (q.from) add("occurred_at >= ?", q.from);
    if (q.to) add("occurred_at <= ?", q.to);
    params.push(q.limit);
    const { rows } = await ctx.pool.query(
      `SELECT * FROM audit.entries WHERE ${where.join(" AND ")} ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    const entries = rows.map(rowToEntry);
    return {
      entries,
      nextAfterSeq: entries.length === q.limit ? entries[entries.length - 1]?.seq : null,
    };
  });

  app.get("/v1/audit/verify", { preHandler: app.authorize("auditor") }, async (request) => {
    const q = z
      .object({
        fromSeq: z.coerce.number().int().min(1).default(1),
        toSeq: z.coerce.number().int().min(1).optional(),
      })
      .parse(request.query);
    let start: { seq: number; prevHash: string } | undefined;
    if (q.fromSeq > 1) {
      const prev = await ctx.pool.query("SELECT hash FROM audit.entries WHERE seq = $1", [
        q.fromSeq - 1,
      ]);
      if (!prev.rows[0])
        throw new KrpError(
          "KRP_ERR_NOT_FOUND",
          `no entry ${q.fromSeq - 1} to start the range from`,
        );
      start = { seq: q.fromSeq, prevHash: prev.rows[0].hash };
    }
    // Checkpoints prove the tail only when the whole chain is read to its end.
    const checkpoints = q.toSeq ? [] : await readCheckpoints(ctx.pool);
    const result = await verifyChain(readEntries(ctx.pool, q.fromSeq, q.toSeq), {
      start,
      checkpoints,
      publicKey: signing.publicKey,
    });
    return { ...result, checkpoints: checkpoints.length };
  });

  app.get("/v1/audit/checkpoints", { preHandler: app.authorize("auditor") }, async () => ({
    checkpoints: await readCheckpoints(ctx.pool),
  }));
  app.post("/v1/audit/checkpoints", { preHandler: app.authorize("auditor") }, async () => ({
    checkpoint: await checkpointHead(ctx.pool, signing.secretKey, signing.version),
  }));

  app.get("/v1/audit/stats", { preHandler: app.authorize("auditor") }, async () => {
    const head = await ctx.pool.query(
      "SELECT seq, hash FROM audit.entries ORDER BY seq DESC LIMIT 1",
    );
    const byAction = await ctx.pool.query(
      "SELECT action, count(*)::int AS entries FROM audit.entries GROUP BY action ORDER BY action",
    );
    return {
      entries: head.rows[0] ? Number(head.rows[0].seq) : 0,
      head: head.rows[0] ? { seq: Number(head.rows[0].seq), hash: head.rows[0].hash } : null,
      byAction: Object.fromEntries(byAction.rows.map((r) => [r.action, r.entries])),
    };
  });

  let sinceCheckpoint = 0;
  const checkpoint = async () => {
    sinceCheckpoint = 0;
    await checkpointHead(ctx.pool, signing.secretKey, signing.version);
  };
  const timer = setInterval(() => {
    if (sinceCheckpoint > 0)
      checkpoint().catch((error) =>
        ctx.logger.error({ err: { message: (error as Error).message } }, "checkpoint failed"),
      );
  }, CHECKPOINT_EVERY_MS);
  app.addHook("onClose", async () => clearInterval(timer));

  await ctx.bus.consume({
    groupId: "audit",
    topic: TOPICS.audit,
    handleBatch: async (messages) => {
      const events = messages.map((m) => toAuditEvent(decodeEvent("AuditEvent", m.value)));
      const appended = await inTransaction(ctx.pool, (client) => appendEvents(client, events));
      ctx.metrics.records.inc({ stage: "audit", outcome: "appended" }, appended);
      sinceCheckpoint += appended;
      if (sinceCheckpoint >= CHECKPOINT_EVERY_ENTRIES) await checkpoint();
    },
  });
  return app;
}
