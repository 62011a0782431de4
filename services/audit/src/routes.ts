/**
 * The auditor's HTTP API over the chain: entries (filtered, paginated, or one by
 * seq), verification, signed checkpoints and counts. Every route needs role auditor.
 */
import { verifyChain } from "@kruispunt/audit-chain";
import { KrpError } from "@kruispunt/service-kit";
import type { Pool } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { type ZodType, z } from "zod";
import { checkpointHead, readCheckpoints, readEntries, rowToEntry } from "./chain-store";

/** What the routes need: the writer pool and the audit signing key. */
export interface RouteDeps {
  pool: Pool;
  signing: { publicKey: Uint8Array; secretKey: Uint8Array; version: number };
}

const filterSchema = z.object({
  action: z.string().max(100).optional(),
  actor: z.string().max(128).optional(),
  service: z.string().max(50).optional(),
  object: z.string().max(300).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const verifySchema = z.object({
  fromSeq: z.coerce.number().int().min(1).default(1),
  toSeq: z.coerce.number().int().min(1).optional(),
});
const seqSchema = z.object({ seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/**
 * Parses `input` with `schema`; on failure throws KrpError KRP_ERR_BAD_REQUEST (400)
 * whose message names each bad field ("limit: …") and whose details list them as
 * `{issues: [{path, message}]}`.
 */
export function parseOr400<T>(schema: ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  throw new KrpError(
    "KRP_ERR_BAD_REQUEST",
    issues.map((i) => `${i.path}: ${i.message}`).join("; "),
    { issues },
  );
}

/**
 * Registers, all for role auditor (401 without a token, 403 for another role):
 * - `GET /v1/audit/entries?action&actor&service&object&from&to&afterSeq&limit` →
 *   `{entries: ChainEntry[], nextAfterSeq: number | null}` in seq order, at most
 *   `limit` (1–1000, default 100) entries with seq > afterSeq. action, actor and
 *   service match exactly, `object` is a prefix, `from`/`to` are inclusive ISO-8601
 *   bounds on occurredAt (compared as text, as stored). nextAfterSeq is the afterSeq
 *   of the next page, null on the last one. 400 naming the field if one is malformed.
 * - `GET /v1/audit/entries/:seq` → the ChainEntry; 400 for a seq that is not a
 *   positive integer, 404 if there is none.
 * - `GET /v1/audit/verify?fromSeq&toSeq` → VerifyResult (`{ok, count, head}` or
 *   `{ok: false, count, firstBad: {seq, reason}}`) plus `{checkpoints}`, the number of
 *   signed checkpoints checked (all of them when the chain is read to its head, none
 *   for a range with toSeq). 404 if fromSeq − 1 does not exist; 400 for bad bounds.
 * - `GET /v1/audit/checkpoints` → `{checkpoints: SignedCheckpoint[]}` oldest first;
 *   `POST` signs the current head now → `{checkpoint}` (null if already signed).
 * - `GET /v1/audit/stats` → `{entries, head: {seq, hash} | null, byAction: {action: n}}`.
 */
export function registerAuditRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { pool, signing } = deps;
  const auditor = { preHandler: app.authorize("auditor") };

  app.get("/v1/audit/entries", auditor, async (request) => {
    const q = parseOr400(filterSchema, request.query);
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
    const { rows } = await pool.query(
      `SELECT * FROM audit.entries WHERE ${where.join(" AND ")} ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    const entries = rows.map(rowToEntry);
    return {
      entries,
      nextAfterSeq: entries.length === q.limit ? (entries[entries.length - 1]?.seq ?? null) : null,
    };
  });

  app.get("/v1/audit/entries/:seq", auditor, async (request) => {
    const { seq } = parseOr400(seqSchema, request.params);
    const { rows } = await pool.query("SELECT * FROM audit.entries WHERE seq = $1", [seq]);
    if (!rows[0]) throw new KrpError("KRP_ERR_NOT_FOUND", `seq: no entry ${seq}`);
    return rowToEntry(rows[0]);
  });

  app.get("/v1/audit/verify", auditor, async (request) => {
    const q = parseOr400(verifySchema, request.query);
    if (q.toSeq !== undefined && q.toSeq < q.fromSeq)
      throw new KrpError("KRP_ERR_BAD_REQUEST", "toSeq: must not be below fromSeq", {
        issues: [{ path: "toSeq", message: "must not be below fromSeq" }],
      });
    let start: { seq: number; prevHash: string } | undefined;
    if (q.fromSeq > 1) {
      const prev = await pool.query("SELECT hash FROM audit.entries WHERE seq = $1", [
        q.fromSeq - 1,
      ]);
      if (!prev.rows[0])
        throw new KrpError(
          "KRP_ERR_NOT_FOUND",
          `fromSeq: no entry ${q.fromSeq - 1} to start the range from`,
        );
      start = { seq: q.fromSeq, prevHash: prev.rows[0].hash };
    }
    // Checkpoints prove the tail only when the whole chain is read to its end.
    const checkpoints = q.toSeq ? [] : await readCheckpoints(pool);
    const result = await verifyChain(readEntries(pool, q.fromSeq, q.toSeq), {
      start,
      checkpoints,
      publicKey: signing.publicKey,
    });
    return { ...result, checkpoints: checkpoints.length };
  });

  app.get("/v1/audit/checkpoints", auditor, async () => ({
    checkpoints: await readCheckpoints(pool),
  }));
  app.post("/v1/audit/checkpoints", auditor, async () => ({
    checkpoint: await checkpointHead(pool, signing.secretKey, signing.version),
  }));

  app.get("/v1/audit/stats", auditor, async () => {
    const head = await pool.query("SELECT seq, hash FROM audit.entries ORDER BY seq DESC LIMIT 1");
    const byAction = await pool.query(
      "SELECT action, count(*)::int AS entries FROM audit.entries GROUP BY action ORDER BY action",
    );
    return {
      entries: head.rows[0] ? Number(head.rows[0].seq) : 0,
      head: head.rows[0] ? { seq: Number(head.rows[0].seq), hash: head.rows[0].hash } : null,
      byAction: Object.fromEntries(byAction.rows.map((r) => [r.action, r.entries])),
    };
  });
}
