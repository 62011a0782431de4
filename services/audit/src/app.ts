/**
 * Audit: appends every service's audit.events to a hash chain in PostgreSQL,
 * signs checkpoints of the chain head (Ed25519), and serves auditors: the API
 * (routes.ts), the linkage log (linkage-log.ts) and the web console (console.ts).
 */
import { TOPICS } from "@kruispunt/bus";
import { decodeEvent } from "@kruispunt/contracts";
import { cryptoReady, currentKey, readKeyring } from "@kruispunt/crypto";
import {
  buildServiceApp,
  keyFiles,
  type ServiceContext,
  serviceAppOptions,
} from "@kruispunt/service-kit";
import { inTransaction } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { appendEvents, checkpointHead, toAuditEvent } from "./chain-store";
import { registerConsole } from "./console";
import { registerLinkageLog } from "./linkage-log";
import { writerPool, writerReady } from "./pool";
import { registerAuditRoutes } from "./routes";

/** Sign a checkpoint after this many new entries, or this often when entries arrived. */
const CHECKPOINT_EVERY_ENTRIES = 1000;
const CHECKPOINT_EVERY_MS = 30_000;

/**
 * Builds the app and starts the audit.events consumer. All database work goes
 * through a pool of its own whose connections run as kruispunt_audit_writer
 * (SELECT and INSERT on the audit schema only; see pool.ts), closed with the app;
 * /health/ready fails unless that role is in effect. Endpoints: see
 * registerAuditRoutes (entries, entry, verify, checkpoints, stats),
 * registerLinkageLog (`GET /v1/audit/linkage-log`) and registerConsole (`GET /console`).
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await cryptoReady();
  const signing = currentKey(readKeyring(keyFiles(ctx.config.keysDir).auditKeyring), "signing");
  const pool = writerPool(ctx.config.databaseUrl);
  const app = buildServiceApp(serviceAppOptions(ctx, writerReady(pool)));
  registerAuditRoutes(app, { pool, signing });
  registerLinkageLog(app, pool);
  registerConsole(app);

  let sinceCheckpoint = 0;
  const checkpoint = async () => {
    sinceCheckpoint = 0;
    await checkpointHead(pool, signing.secretKey, signing.version);
  };
  const timer = setInterval(() => {
    if (sinceCheckpoint > 0)
      checkpoint().catch((error) =>
        ctx.logger.error({ err: { message: (error as Error).message } }, "checkpoint failed"),
      );
  }, CHECKPOINT_EVERY_MS);
  app.addHook("onClose", async () => {
    clearInterval(timer);
    await pool.end();
  });

  await ctx.bus.consume({
    groupId: "audit",
    topic: TOPICS.audit,
    handleBatch: async (messages) => {
      const events = messages.map((m) => toAuditEvent(decodeEvent("AuditEvent", m.value)));
      const appended = await inTransaction(pool, (client) => appendEvents(client, events));
      ctx.metrics.records.inc({ stage: "audit", outcome: "appended" }, appended);
      ctx.metrics.recordsOut.inc({ stage: "audit" }, appended);
      sinceCheckpoint += appended;
      if (sinceCheckpoint >= CHECKPOINT_EVERY_ENTRIES) await checkpoint();
    },
  });
  return app;
}
