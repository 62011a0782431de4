/**
 * Release: research projects, committee decisions, and extracts built under an
 * approval. Keeps its own view of linked records from linkage.events.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { join } from "node:path";
import { TOPICS } from "@kruispunt/bus";
import { decodeEvent } from "@kruispunt/contracts";
import { cryptoReady, currentKey, readKeyring } from "@kruispunt/crypto";
import {
  buildServiceApp,
  KrpError,
  keyFiles,
  type ServiceContext,
  serviceAppOptions,
} from "@kruispunt/service-kit";
import { inTransaction } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { assertInCatalogue } from "./catalogue-check";
import { registerErrorReports } from "./error-reports";
import { buildExtract } from "./extract";
import { registerLinkageLog, storeExtractMembers } from "./extract-members";
import { applyLinkageEvents } from "./materialise";
import { projectSpecSchema, specProblems } from "./project";
import { registerUsage } from "./usage";

const decisionSchema = z.object({
  decision: z.enum(["approve", "reject", "withdraw"]),
  reference: z.string().min(1).max(200),
});
const projectIdPattern = /^p-[0-9a-f]{12}$/;

/**
 * Builds the app and starts the linkage.events consumer.
 * - `POST /v1/projects` (researcher): file a project (ProjectSpec) → 201 `{projectId, status: "submitted"}`; 400 naming each bad field
 *   and each variable or cohort dataset intake's catalogue lacks (catalogue-check.ts).
 * - `GET /v1/projects/:id` (researcher who filed it, committee, auditor) → the project.
 * - `POST /v1/projects/:id/decision` (committee) `{decision: approve|reject|withdraw, reference}` → the project; 409 if the transition is not allowed.
 * - `POST /v1/projects/:id/extracts` (the filing researcher): build an extract → 201 `{extractId, rows, suppressed, k, files}`;
 *   409 unless approved and unexpired; 422 if disclosure control refuses.
 * - `GET /v1/projects/:id/extracts/:extractId/files/:name` (the filing researcher) → the file.
 * - `GET /v1/stats` (auditor, service) → `{records, clusters}` in release's view.
 * - `GET /v1/linkage-log?linkagePseudonym=LP` or `?projectId=P&projectPseudonym=PP` (auditor,
 *   audited) → the extracts that released the person; see registerLinkageLog.
 * - Error reports (error-reports.ts) and usage transparency for agencies (usage.ts), issue 9.
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await cryptoReady();
  const release = currentKey(readKeyring(keyFiles(ctx.config.keysDir).releaseKeyring), "release");
  const extractsDir = join(ctx.config.dataDir, "release", "extracts");
  const app = buildServiceApp(serviceAppOptions(ctx));

  const loadProject = async (id: string) => {
    if (!projectIdPattern.test(id))
      throw new KrpError("KRP_ERR_BAD_REQUEST", "id: a project id p-xxxxxxxxxxxx");
    const { rows } = await ctx.pool.query("SELECT * FROM release.projects WHERE project_id = $1", [
      id,
    ]);
    if (!rows[0]) throw new KrpError("KRP_ERR_NOT_FOUND", `no project ${id}`);
    return rows[0] as {
      project_id: string;
      title: string;
      spec: unknown;
      researcher: string;
      status: string;
      decision_reference: string | null;
      expires_at: Date;
    };
  };
  const view = (p: Awaited<ReturnType<typeof loadProject>>) => ({
    projectId: p.project_id,
    title: p.title,
    researcher: p.researcher,
    status: p.status,
    decisionReference: p.decision_reference,
    expiresAt: p.expires_at,
    spec: p.spec,
  });

  app.post("/v1/projects", { preHandler: app.authorize("researcher") }, async (request, reply) => {
    const parsed = projectSpecSchema.safeParse(request.body);
    if (!parsed.success) {
      throw new KrpError("KRP_ERR_BAD_REQUEST", "the project is invalid", {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    }
    const problems = specProblems(parsed.data);
    if (problems.length > 0)
      throw new KrpError("KRP_ERR_BAD_REQUEST", "the project is invalid", { issues: problems });
    await assertInCatalogue(parsed.data, ctx.config.serviceUrls.intake, ctx.jwtSecret);
    const projectId = `p-${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await ctx.pool.query(
      "INSERT INTO release.projects (project_id, title, spec, researcher, status, expires_at) VALUES ($1, $2, $3, $4, 'submitted', $5)",
      [projectId, parsed.data.title, parsed.data, request.user.sub, parsed.data.expiresAt],
    );
    await ctx.audit.record({
      actor: request.user.sub,
      role: "researcher",
      action: "project.file",
      object: `project:${projectId}`,
      details: { variables: parsed.data.variables.length, k: parsed.data.k },
    });
    reply.code(201);
    return { projectId, status: "submitted" };
  });

  app.get(
    "/v1/projects/:id",
    { preHandler: app.authorize("researcher", "committee", "auditor") },
    async (request) => {
      const project = await loadProject((request.params as { id: string }).id);
      if (request.user.role === "researcher" && project.researcher !== request.user.sub)
        throw new KrpError(
          "KRP_ERR_FORBIDDEN",
          "only the researcher who filed the project may read it",
        );
      return view(project);
    },
  );

  app.post(
    "/v1/projects/:id/decision",
    { preHandler: app.authorize("committee") },
    async (request) => {
      const project = await loadProject((request.params as { id: string }).id);
      const parsed = decisionSchema.safeParse(request.body);
      if (!parsed.success)
        throw new KrpError(
          "KRP_ERR_BAD_REQUEST",
          "decision: approve|reject|withdraw with a reference",
        );
      const { decision, reference } = parsed.data;
      // Separation of duties: nobody decides on a project they filed.
      if (project.researcher === request.user.sub) {
        throw new KrpError(
          "KRP_ERR_FORBIDDEN",
          "the researcher who filed a project may not decide on it",
        );
      }
      const allowed: Record<string, string[]> = {
        approve: ["submitted"],
        reject: ["submitted"],
        withdraw: ["approved"],
      };
      if (!allowed[decision]?.includes(project.status))
        throw new KrpError(
          "KRP_ERR_CONFLICT",
          `cannot ${decision} a project that is ${project.status}`,
        );
      const status = { approve: "approved", reject: "rejected", withdraw: "withdrawn" }[decision];
      await ctx.pool.query(
        "UPDATE release.projects SET status = $2, decision_reference = $3, decided_by = $4, decided_at = now() WHERE project_id = $1",
        [project.project_id, status, reference, request.user.sub],
      );
      await ctx.audit.record({
        actor: request.user.sub,
        role: "committee",
        action: `project.${decision}`,
        object: `project:${project.project_id}`,
        reference,
      });
      return view(await loadProject(project.project_id));
    },
  );

  app.post(
    "/v1/projects/:id/extracts",
    { preHandler: app.authorize("researcher") },
    async (request, reply) => {
      const project = await loadProject((request.params as { id: string }).id);
      if (project.researcher !== request.user.sub)
        throw new KrpError(
          "KRP_ERR_FORBIDDEN",
          "only the researcher who filed the project may extract",
        );
      if (project.status !== "approved")
        throw new KrpError("KRP_ERR_CONFLICT", `project is ${project.status}, not approved`);
      if (project.expires_at.getTime() <= Date.now())
        throw new KrpError("KRP_ERR_CONFLICT", "project approval has expired");
      const spec = projectSpecSchema.parse(project.spec);
      const extractId = randomUUID();
      let result: Awaited<ReturnType<typeof buildExtract>>;
      try {
        result = await buildExtract({
          pool: ctx.pool,
          projectId: project.project_id,
          spec,
          decisionReference: project.decision_reference ?? "",
          releaseKey: release.key,
          releaseKeyVersion: release.version,
          dir: join(extractsDir, extractId),
        });
      } catch (error) {
        const refused = (error as { code?: string }).code === "KRP_ERR_DISCLOSURE_REFUSED";
        ctx.metrics.extractBuilds.inc({ outcome: refused ? "refused" : "failed" });
        if ((error as { code?: string }).code === "KRP_ERR_DISCLOSURE_REFUSED") {
          await ctx.audit.record({
            actor: request.user.sub,
            role: "researcher",
            action: "release.refused",
            object: `project:${project.project_id}`,
            reference: project.decision_reference,
          });
          throw new KrpError(
            "KRP_ERR_UNPROCESSABLE",
            "disclosure control refused the release: too many records would be suppressed",
            { report: (error as { report?: unknown }).report },
          );
        }
        throw error;
      }
      await inTransaction(ctx.pool, async (client) => {
        await client.query(
          "INSERT INTO release.extracts (extract_id, project_id, rows, suppressed, files, report) VALUES ($1, $2, $3, $4, $5, $6)",
          [
            extractId,
            project.project_id,
            result.rows,
            result.suppressed,
            JSON.stringify(result.files),
            result.report,
          ],
        );
        await storeExtractMembers(client, extractId, result.members);
      });
      await ctx.audit.record({
        actor: request.user.sub,
        role: "researcher",
        action: "release.extract",
        object: `project:${project.project_id}`,
        reference: project.decision_reference,
        counts: { rows: result.rows, suppressed: result.suppressed, k: spec.k },
        details: { extractId },
      });
      ctx.metrics.extractBuilds.inc({ outcome: "built" });
      reply.code(201);
      return {
        extractId,
        rows: result.rows,
        suppressed: result.suppressed,
        k: spec.k,
        files: result.files,
      };
    },
  );

  app.get(
    "/v1/projects/:id/extracts/:extractId/files/:name",
    { preHandler: app.authorize("researcher") },
    async (request, reply) => {
      const { id, extractId, name } = request.params as {
        id: string;
        extractId: string;
        name: string;
      };
      const project = await loadProject(id);
      if (project.researcher !== request.user.sub)
        throw new KrpError(
          "KRP_ERR_FORBIDDEN",
          "only the researcher who filed the project may download",
        );
      if (!["extract.csv", "codebook.json"].includes(name) || !/^[0-9a-f-]{36}$/.test(extractId))
        throw new KrpError("KRP_ERR_NOT_FOUND", "no such file");
      const found = await ctx.pool.query(
        "SELECT 1 FROM release.extracts WHERE extract_id = $1 AND project_id = $2",
        [extractId, id],
      );
      const path = join(extractsDir, extractId, name);
      if (found.rowCount === 0 || !existsSync(path))
        throw new KrpError("KRP_ERR_NOT_FOUND", `no extract ${extractId} for project ${id}`);
      await ctx.audit.record({
        actor: request.user.sub,
        role: "researcher",
        action: "release.download",
        object: `project:${id}`,
        reference: project.decision_reference,
        details: { extractId, file: name },
      });
      reply.type(name.endsWith(".csv") ? "text/csv; charset=utf-8" : "application/json");
      return reply.send(createReadStream(path));
    },
  );

  app.get("/v1/stats", { preHandler: app.authorize("auditor", "service") }, async () => {
    const { rows } = await ctx.pool.query(
      "SELECT count(*) FILTER (WHERE NOT withdrawn)::int AS records, count(DISTINCT cluster_id) FILTER (WHERE NOT withdrawn)::int AS clusters FROM release.records",
    );
    return rows[0];
  });

  registerLinkageLog(app, ctx);
  registerErrorReports(app, ctx);
  registerUsage(app, ctx);

  await ctx.bus.consume({
    groupId: "release",
    topic: TOPICS.linkage,
    handleBatch: async (messages) => {
      const events = messages.map((m) => decodeEvent("LinkageEvent", m.value));
      await inTransaction(ctx.pool, (client) => applyLinkageEvents(client, events));
      ctx.metrics.recordsOut.inc({ stage: "release" }, events.length);
    },
  });
  return app;
}
