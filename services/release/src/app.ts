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
import type { KAnonymityReport } from "@kruispunt/disclosure";
import {
  buildServiceApp,
  KrpError,
  keyFiles,
  type ServiceContext,
  serviceAppOptions,
} from "@kruispunt/service-kit";
import { inTransaction } from "@kruispunt/store";
import type { FastifyInstance, FastifySchema } from "fastify";
import { z } from "zod";
import { assertInCatalogue } from "./catalogue-check";
import type { DeliveredFile } from "./delivery";
import { registerErrorReports } from "./error-reports";
import { buildExtract, type ExtractResult } from "./extract";
import { registerLinkageLog, storeExtractMembers } from "./extract-members";
import { applyLinkageEvents } from "./materialise";
import {
  extractRequestSchema,
  type FieldProblem,
  projectSpecSchema,
  specProblems,
} from "./project";
import { registerUsage } from "./usage";

const decisionSchema = z
  .object({
    decision: z.enum(["approve", "reject", "withdraw"]),
    reference: z.string().min(1).max(200),
    /** With approve: the columns (variables[].as) approved; default every requested one. */
    variables: z.array(z.string()).min(1).max(100).optional(),
  })
  .strict();
/** A route's OpenAPI description (fastify ignores the key when validating). */
const doc = (description: string) => ({ description }) as FastifySchema;
const projectIdPattern = /^p-[0-9a-f]{12}$/;
const extractIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILE_NAMES = ["extract.csv", "extract.parquet", "codebook.json"];
/** How long an extract's download links stay valid (RELEASE_DOWNLOAD_TTL_SECONDS, default 7 days). */
const downloadTtlSeconds = Number(process.env.RELEASE_DOWNLOAD_TTL_SECONDS ?? 7 * 24 * 3600);

interface ProjectRow {
  project_id: string;
  title: string;
  spec: unknown;
  researcher: string;
  status: string;
  decision_reference: string | null;
  approved_variables: string[] | null;
  expires_at: Date;
}

/** 400 naming the first problem's field in the message, with every problem in details.issues. */
function invalid(what: string, issues: FieldProblem[]): KrpError {
  const first = issues[0];
  return new KrpError(
    "KRP_ERR_BAD_REQUEST",
    `${what}: ${first ? `${first.path}: ${first.message}` : "invalid"}`,
    { issues },
  );
}
const zodIssues = (error: z.ZodError): FieldProblem[] =>
  error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));

/**
 * Builds the app and starts the linkage.events consumer. Roles come from the JWT;
 * "member" means a researcher whose subject is in the project's `members`.
 * - `POST /v1/projects` (researcher, who must list themselves as a member): file a
 *   project (ProjectSpec) → 201 `{projectId, status: "submitted"}`; 400 naming each bad field.
 * - `GET /v1/projects/:id` (member, committee, auditor) → the project.
 * - `POST /v1/projects/:id/decision` (committee, not a member) `{decision:
 *   approve|reject|withdraw, reference, variables?}` → the project; 409 if the
 *   transition is not allowed.
 * - `POST /v1/projects/:id/extracts` (member) `{layout?: person|record, variables?}`:
 *   build an extract → 201 manifest; 409 unless approved, 409 naming expiresAt once
 *   expired; 400 naming a variable unknown or not approved; 422 for a cohort of 0
 *   persons or when disclosure control refuses.
 * - `GET /v1/projects/:id/extracts/:extractId` (member) → the manifest with the
 *   caller's sealed extract key; `GET …/files/:name` (member) → the encrypted file.
 *   Both audited (release.download); 410 once the links expired; 404 for another
 *   project's extract.
 * - `GET /v1/stats` (auditor, service) → `{records, clusters}` in release's view.
 * - `GET /v1/linkage-log` (auditor, audited) → see registerLinkageLog.
 * - Error reports (error-reports.ts) and usage transparency for agencies (usage.ts), issue 9;
 *   a project's variables and cohort datasets must be in intake's catalogue (catalogue-check.ts).
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await cryptoReady();
  const release = currentKey(readKeyring(keyFiles(ctx.config.keysDir).releaseKeyring), "release");
  const extractsDir = join(ctx.config.dataDir, "release", "extracts");
  const app = buildServiceApp(serviceAppOptions(ctx));

  const loadProject = async (id: string): Promise<ProjectRow> => {
    if (!projectIdPattern.test(id))
      throw new KrpError("KRP_ERR_BAD_REQUEST", "id: a project id p-xxxxxxxxxxxx");
    const { rows } = await ctx.pool.query("SELECT * FROM release.projects WHERE project_id = $1", [
      id,
    ]);
    if (!rows[0]) throw new KrpError("KRP_ERR_NOT_FOUND", `no project ${id}`);
    return rows[0] as ProjectRow;
  };
  const specOf = (p: ProjectRow) => projectSpecSchema.parse(p.spec);
  const isMember = (p: ProjectRow, sub: string) => specOf(p).members.some((m) => m.name === sub);
  /** 403 unless the caller is a researcher listed as a member of `p`. */
  const requireMember = (p: ProjectRow, user: { sub: string; role: string }, what: string) => {
    if (user.role !== "researcher" || !isMember(p, user.sub))
      throw new KrpError(
        "KRP_ERR_FORBIDDEN",
        `only members of project ${p.project_id} may ${what}`,
        { projectId: p.project_id, action: what },
      );
  };
  /** 409 unless the approval is current: approved, not withdrawn, not expired. */
  const requireCurrentApproval = (p: ProjectRow) => {
    if (p.status !== "approved")
      throw new KrpError("KRP_ERR_CONFLICT", `status: project is ${p.status}, not approved`, {
        projectId: p.project_id,
        field: "status",
        status: p.status,
      });
    if (p.expires_at.getTime() <= Date.now())
      throw new KrpError(
        "KRP_ERR_CONFLICT",
        `expiresAt: the project expired at ${p.expires_at.toISOString()}`,
        { projectId: p.project_id, field: "expiresAt", expiresAt: p.expires_at.toISOString() },
      );
  };
  const view = (p: ProjectRow) => ({
    projectId: p.project_id,
    title: p.title,
    researcher: p.researcher,
    status: p.status,
    decisionReference: p.decision_reference,
    approvedVariables: p.approved_variables,
    expiresAt: p.expires_at,
    spec: p.spec,
  });

  app.post(
    "/v1/projects",
    {
      schema: doc("File a research project (researcher, who must be a member)"),
      preHandler: app.authorize("researcher"),
    },
    async (request, reply) => {
      const parsed = projectSpecSchema.safeParse(request.body);
      if (!parsed.success) throw invalid("the project is invalid", zodIssues(parsed.error));
      const problems = specProblems(parsed.data, request.user.sub);
      if (problems.length > 0) throw invalid("the project is invalid", problems);
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
        details: {
          variables: parsed.data.variables.length,
          k: parsed.data.k,
          members: parsed.data.members.length,
        },
      });
      reply.code(201);
      return { projectId, status: "submitted" };
    },
  );

  app.get(
    "/v1/projects/:id",
    {
      schema: doc("Read a project (its members, the committee, auditors)"),
      preHandler: app.authorize("researcher", "committee", "auditor"),
    },
    async (request) => {
      const project = await loadProject((request.params as { id: string }).id);
      if (request.user.role === "researcher") requireMember(project, request.user, "read it");
      return view(project);
    },
  );

  app.post(
    "/v1/projects/:id/decision",
    {
      schema: doc("Approve, reject or withdraw a project (committee, not a member)"),
      preHandler: app.authorize("committee"),
    },
    async (request) => {
      const project = await loadProject((request.params as { id: string }).id);
      const parsed = decisionSchema.safeParse(request.body);
      if (!parsed.success) throw invalid("the decision is invalid", zodIssues(parsed.error));
      const { decision, reference, variables } = parsed.data;
      // Separation of duties: nobody decides on a project they filed or would receive.
      if (project.researcher === request.user.sub || isMember(project, request.user.sub)) {
        throw new KrpError(
          "KRP_ERR_FORBIDDEN",
          "the researcher who filed a project, or a member of it, may not decide on it",
          { projectId: project.project_id, decision },
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
          { projectId: project.project_id, field: "status", status: project.status, decision },
        );
      const requested = specOf(project).variables.map((v) => v.as);
      if (variables && decision !== "approve")
        throw invalid("the decision is invalid", [
          { path: "variables", message: "only an approval names variables" },
        ]);
      const unknown = (variables ?? []).findIndex((v) => !requested.includes(v));
      if (unknown >= 0)
        throw invalid("the decision is invalid", [
          {
            path: `variables.${unknown}`,
            message: `unknown variable ${variables?.[unknown]}: not requested by the project`,
          },
        ]);
      const status = { approve: "approved", reject: "rejected", withdraw: "withdrawn" }[decision];
      await ctx.pool.query(
        `UPDATE release.projects SET status = $2, decision_reference = $3, decided_by = $4, decided_at = now(),
           approved_variables = COALESCE($5, approved_variables) WHERE project_id = $1`,
        [
          project.project_id,
          status,
          reference,
          request.user.sub,
          decision === "approve" ? (variables ?? requested) : null,
        ],
      );
      await ctx.audit.record({
        actor: request.user.sub,
        role: "committee",
        action: `project.${decision}`,
        object: `project:${project.project_id}`,
        reference,
        ...(decision === "approve"
          ? { details: { variables: (variables ?? requested).length } }
          : {}),
      });
      return view(await loadProject(project.project_id));
    },
  );

  app.post(
    "/v1/projects/:id/extracts",
    {
      schema: doc("Build an encrypted, k-anonymous extract of an approved project (member)"),
      preHandler: app.authorize("researcher"),
    },
    async (request, reply) => {
      const project = await loadProject((request.params as { id: string }).id);
      requireMember(project, request.user, "extract");
      requireCurrentApproval(project);
      const options = extractRequestSchema.safeParse(request.body ?? {});
      if (!options.success)
        throw invalid("the extract request is invalid", zodIssues(options.error));
      const spec = specOf(project);
      const approved = project.approved_variables ?? spec.variables.map((v) => v.as);
      const asked = options.data.variables ?? approved;
      const problems: FieldProblem[] = [];
      asked.forEach((c, i) => {
        if (!spec.variables.some((v) => v.as === c))
          problems.push({
            path: `variables.${i}`,
            message: `unknown variable ${c}: the project did not request it`,
          });
        else if (!approved.includes(c))
          problems.push({
            path: `variables.${i}`,
            message: `variable ${c} is not approved for this project`,
          });
      });
      if (problems.length > 0) throw invalid("the extract request is invalid", problems);
      const variables = spec.variables.filter((v) => asked.includes(v.as));
      const extractId = randomUUID();
      const layout = options.data.layout;
      const downloadExpiresAt = new Date(
        Math.min(Date.now() + downloadTtlSeconds * 1000, project.expires_at.getTime()),
      );
      let result: ExtractResult;
      try {
        result = await inTransaction(ctx.pool, async (client) => {
          await client.query(
            `INSERT INTO release.extracts (extract_id, project_id, rows, suppressed, files, report, layout, built_by, download_expires_at)
             VALUES ($1, $2, 0, 0, '[]', '{}', $3, $4, $5)`,
            [extractId, project.project_id, layout, request.user.sub, downloadExpiresAt],
          );
          const built = await buildExtract({
            pool: ctx.pool,
            projectId: project.project_id,
            extractId,
            spec,
            variables,
            layout,
            decisionReference: project.decision_reference ?? "",
            releaseKey: release.key,
            releaseKeyVersion: release.version,
            dir: join(extractsDir, extractId),
            storeMembers: (members) => storeExtractMembers(client, extractId, members),
          });
          await client.query(
            `UPDATE release.extracts SET rows = $2, suppressed = $3, files = $4, report = $5, persons = $6, sealed_keys = $7
             WHERE extract_id = $1`,
            [
              extractId,
              built.rows,
              built.suppressed,
              JSON.stringify(built.files),
              built.report,
              built.persons,
              built.sealedKeys,
            ],
          );
          return built;
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
            `maxSuppressedShare: disclosure control refused the release: k=${spec.k} would suppress more than ${spec.maxSuppressedShare} of the cohort`,
            { report: (error as { report?: unknown }).report },
          );
        }
        throw error;
      }
      await ctx.audit.record({
        actor: request.user.sub,
        role: "researcher",
        action: "release.extract",
        object: `project:${project.project_id}`,
        reference: project.decision_reference,
        counts: { rows: result.rows, suppressed: result.suppressed, k: spec.k },
        details: { extractId, layout, persons: result.persons },
      });
      ctx.metrics.extractBuilds.inc({ outcome: "built" });
      reply.code(201);
      return manifest(
        project,
        {
          extract_id: extractId,
          layout,
          rows: result.rows,
          persons: result.persons,
          suppressed: result.suppressed,
          files: result.files,
          sealed_keys: result.sealedKeys,
          download_expires_at: downloadExpiresAt,
          report: result.report,
        },
        request.user.sub,
      );
    },
  );

  interface ExtractRow {
    extract_id: string;
    layout: string;
    rows: number;
    persons: number | null;
    suppressed: number;
    files: DeliveredFile[];
    sealed_keys: Record<string, string> | null;
    download_expires_at: Date | null;
    report: KAnonymityReport;
  }
  /** What a member needs to fetch, verify and decrypt an extract. */
  const manifest = (p: ProjectRow, e: ExtractRow, member: string) => ({
    extractId: e.extract_id,
    projectId: p.project_id,
    layout: e.layout,
    rows: e.rows,
    persons: e.persons,
    suppressed: e.suppressed,
    k: specOf(p).k,
    report: e.report,
    expiresAt: e.download_expires_at,
    encryption:
      "libsodium crypto_secretstream_xchacha20poly1305 (64 KiB chunks); key sealed with crypto_box_seal to the member's X25519 key",
    sealedKey: e.sealed_keys?.[member] ?? null,
    files: e.files.map((f) => ({
      ...f,
      url: `/v1/projects/${p.project_id}/extracts/${e.extract_id}/files/${f.name}`,
    })),
  });
  /** The extract of project `p`, if the caller may download it now (member, current approval, link valid). */
  const loadExtract = async (request: {
    params: unknown;
    user: { sub: string; role: string };
  }): Promise<{ project: ProjectRow; extract: ExtractRow }> => {
    const { id, extractId } = request.params as { id: string; extractId: string };
    const project = await loadProject(id);
    requireMember(project, request.user, "download its extracts");
    requireCurrentApproval(project);
    if (!extractIdPattern.test(extractId))
      throw new KrpError("KRP_ERR_BAD_REQUEST", "extractId: an extract id (UUID)");
    const { rows } = await ctx.pool.query<ExtractRow>(
      "SELECT * FROM release.extracts WHERE extract_id = $1 AND project_id = $2",
      [extractId, id],
    );
    const extract = rows[0];
    if (!extract)
      throw new KrpError(
        "KRP_ERR_NOT_FOUND",
        `extractId: no extract ${extractId} of project ${id}`,
      );
    if (!extract.download_expires_at || extract.download_expires_at.getTime() <= Date.now())
      throw new KrpError(
        "KRP_ERR_GONE",
        `extractId: the download links of extract ${extractId} expired${extract.download_expires_at ? ` at ${extract.download_expires_at.toISOString()}` : ""}; build a new extract`,
      );
    return { project, extract };
  };
  const auditDownload = (
    user: { sub: string },
    project: ProjectRow,
    extractId: string,
    file: string,
  ) =>
    ctx.audit.record({
      actor: user.sub,
      role: "researcher",
      action: "release.download",
      object: `project:${project.project_id}`,
      reference: project.decision_reference,
      details: { extractId, file },
    });

  app.get(
    "/v1/projects/:id/extracts",
    {
      schema: doc("The project's extracts, oldest first, with their link expiry (member)"),
      preHandler: app.authorize("researcher"),
    },
    async (request) => {
      const project = await loadProject((request.params as { id: string }).id);
      requireMember(project, request.user, "list its extracts");
      const { rows } = await ctx.pool.query(
        `SELECT extract_id, layout, rows, suppressed, created_at, download_expires_at FROM release.extracts
         WHERE project_id = $1 ORDER BY created_at, extract_id`,
        [project.project_id],
      );
      return {
        projectId: project.project_id,
        extracts: rows.map((r) => ({
          extractId: r.extract_id,
          layout: r.layout,
          rows: r.rows,
          suppressed: r.suppressed,
          createdAt: r.created_at,
          expiresAt: r.download_expires_at,
        })),
      };
    },
  );

  app.get(
    "/v1/projects/:id/extracts/:extractId",
    {
      schema: doc("The manifest of an extract with the caller's sealed key (member)"),
      preHandler: app.authorize("researcher"),
    },
    async (request) => {
      const { project, extract } = await loadExtract(request);
      await auditDownload(request.user, project, extract.extract_id, "manifest");
      return manifest(project, extract, request.user.sub);
    },
  );

  app.get(
    "/v1/projects/:id/extracts/:extractId/files/:name",
    {
      schema: doc("Download one encrypted extract file (member)"),
      preHandler: app.authorize("researcher"),
    },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      const { project, extract } = await loadExtract(request);
      if (!FILE_NAMES.includes(name))
        throw new KrpError("KRP_ERR_NOT_FOUND", `name: one of ${FILE_NAMES.join(", ")}`);
      const path = join(extractsDir, extract.extract_id, `${name}.enc`);
      if (!existsSync(path))
        throw new KrpError(
          "KRP_ERR_NOT_FOUND",
          `name: extract ${extract.extract_id} has no ${name}`,
        );
      await auditDownload(request.user, project, extract.extract_id, name);
      reply.type("application/octet-stream");
      reply.header("content-disposition", `attachment; filename="${name}.enc"`);
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
