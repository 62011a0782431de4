/**
 * Error reports from researchers back to agencies (issue 9).
 *
 * A researcher who suspects an error in an extract names the person by project
 * pseudonym (or the whole cohort), the extract column and what looks wrong. Agencies
 * must never learn project pseudonyms, and in keyed mode they do not hold linkage
 * pseudonyms either (only the pseudonymiser has the linkage key), so neither can be
 * what the agency receives. Release, inside the trusted third party, resolves the
 * project pseudonym to the person's cluster (release.extract_members of the project's
 * own extracts) and the cluster to the owning agency's source record id(s) and
 * versions in that dataset (release.records): the key the agency's own records are
 * matched on. The agency sees the project, dataset, variable, its record ids and the
 * description — never the project pseudonym, the cluster or the researcher's other
 * data. It answers confirmed, corrected (only once the corrected record version has
 * reached release) or rejected; the researcher reads the answer. Filing, routing,
 * reading and answering are audited (error.report.*), without pseudonyms.
 */
import { randomUUID } from "node:crypto";
import { KrpError, routeDoc, type ServiceContext } from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { projectSpecSchema } from "./project";

const fileSchema = z
  .object({
    /** The person, as the extract names them. */
    projectPseudonym: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "a project pseudonym: 64 lowercase hex digits")
      .optional(),
    /** true: the report concerns the whole cohort (no person). */
    cohort: z.literal(true).optional(),
    /** An extract column (`variables[].as`) of the project. */
    variable: z.string().min(1).max(64),
    description: z.string().trim().min(3).max(2000),
  })
  .strict()
  .refine((b) => (b.projectPseudonym === undefined) !== (b.cohort === undefined), {
    message: "give either projectPseudonym or cohort: true",
  });

const answerSchema = z
  .object({
    outcome: z.enum(["confirmed", "corrected", "rejected"]),
    comment: z.string().trim().min(1).max(2000),
  })
  .strict();

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ReportRow {
  report_id: string;
  project_id: string;
  researcher: string;
  agency: string;
  dataset: string;
  variable: string;
  column_name: string;
  scope: "person" | "cohort";
  project_pseudonym: string | null;
  source_record_ids: string[];
  record_versions: string[];
  description: string;
  status: string;
  answer: string | null;
  filed_at: Date;
  answered_at: Date | null;
  title?: string;
}

const bad = (error: z.ZodError) =>
  new KrpError("KRP_ERR_BAD_REQUEST", "the error report is invalid", {
    issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  });

/** What the researcher sees: their own report with the agency's answer. */
const researcherView = (r: ReportRow) => ({
  reportId: r.report_id,
  projectId: r.project_id,
  scope: r.scope,
  projectPseudonym: r.project_pseudonym,
  variable: r.column_name,
  dataset: `${r.agency}/${r.dataset}`,
  description: r.description,
  status: r.status,
  answer: r.answer,
  filedAt: r.filed_at.toISOString(),
  answeredAt: r.answered_at?.toISOString() ?? null,
});

/** What the agency sees: its own record ids, never the project pseudonym. */
const agencyView = (r: ReportRow) => ({
  reportId: r.report_id,
  projectId: r.project_id,
  projectTitle: r.title ?? null,
  dataset: r.dataset,
  variable: r.variable,
  scope: r.scope,
  sourceRecordIds: r.source_record_ids,
  recordVersions: r.record_versions.map(Number),
  description: r.description,
  status: r.status,
  answer: r.answer,
  filedAt: r.filed_at.toISOString(),
  answeredAt: r.answered_at?.toISOString() ?? null,
});

/**
 * - `POST /v1/projects/:id/error-reports` (the filing researcher)
 *   `{projectPseudonym | cohort: true, variable, description}` → 201 researcher view;
 *   400 naming the bad field or an unknown column; 404 if the pseudonym is in none of
 *   the project's extracts; 409 before any extract, or when the person no longer has a
 *   record in the variable's dataset.
 * - `GET /v1/projects/:id/error-reports` (the filing researcher) → `{reports}` with answers.
 * - `GET /v1/error-reports` (agency) → `{reports}` routed to the calling agency.
 * - `POST /v1/error-reports/:reportId/answer` (the owning agency)
 *   `{outcome: confirmed|corrected|rejected, comment}` → agency view; 404 for an unknown
 *   report, 403 for another agency's report; 409 if already answered, or "corrected"
 *   before every reported record has a newer version in release.
 */
export function registerErrorReports(app: FastifyInstance, ctx: ServiceContext): void {
  const ownProject = async (id: string, researcher: string) => {
    if (!/^p-[0-9a-f]{12}$/.test(id))
      throw new KrpError("KRP_ERR_BAD_REQUEST", "id: a project id p-xxxxxxxxxxxx");
    const { rows } = await ctx.pool.query<{ researcher: string; spec: unknown }>(
      "SELECT researcher, spec FROM release.projects WHERE project_id = $1",
      [id],
    );
    if (!rows[0]) throw new KrpError("KRP_ERR_NOT_FOUND", `no project ${id}`);
    if (rows[0].researcher !== researcher)
      throw new KrpError(
        "KRP_ERR_FORBIDDEN",
        "only the researcher who filed the project may do this",
        { projectId: id },
      );
    return projectSpecSchema.parse(rows[0].spec);
  };

  app.post(
    "/v1/projects/:id/error-reports",
    {
      preHandler: app.authorize("researcher"),
      schema: routeDoc("File a suspected data error in an extract; routed to the owning agency."),
    },
    async (request, reply) => {
      const projectId = (request.params as { id: string }).id;
      const researcher = request.user.sub;
      const spec = await ownProject(projectId, researcher);
      const parsed = fileSchema.safeParse(request.body);
      if (!parsed.success) throw bad(parsed.error);
      const body = parsed.data;
      const column = spec.variables.find((v) => v.as === body.variable);
      if (!column)
        throw new KrpError(
          "KRP_ERR_BAD_REQUEST",
          `variable: "${body.variable}" is not a column of project ${projectId}`,
        );
      const [agency, dataset] = column.dataset.split("/") as [string, string];
      const extracts = await ctx.pool.query(
        "SELECT 1 FROM release.extracts WHERE project_id = $1 LIMIT 1",
        [projectId],
      );
      if (extracts.rowCount === 0)
        throw new KrpError("KRP_ERR_CONFLICT", `project ${projectId} has no extract to report on`, {
          projectId,
        });
      let records: { source_record_id: string; version: string }[] = [];
      if (body.projectPseudonym) {
        const member = await ctx.pool.query<{ cluster_id: string }>(
          `SELECT m.cluster_id FROM release.extract_members m JOIN release.extracts e USING (extract_id)
           WHERE e.project_id = $1 AND m.project_pseudonym = $2 LIMIT 1`,
          [projectId, body.projectPseudonym],
        );
        const cluster = member.rows[0]?.cluster_id;
        if (!cluster)
          throw new KrpError(
            "KRP_ERR_NOT_FOUND",
            `projectPseudonym: no person of project ${projectId}'s extracts has it`,
          );
        records = (
          await ctx.pool.query<{ source_record_id: string; version: string }>(
            `SELECT source_record_id, version FROM release.records
             WHERE cluster_id = $1 AND agency = $2 AND dataset = $3 AND NOT withdrawn
             ORDER BY source_record_id`,
            [cluster, agency, dataset],
          )
        ).rows;
        if (records.length === 0)
          throw new KrpError(
            "KRP_ERR_CONFLICT",
            `the person no longer has a record in ${column.dataset} (withdrawn)`,
            { projectId, field: "projectPseudonym", dataset: column.dataset },
          );
      }
      const reportId = randomUUID();
      await ctx.pool.query(
        `INSERT INTO release.error_reports (report_id, project_id, researcher, agency, dataset, variable,
           column_name, scope, project_pseudonym, source_record_ids, record_versions, description, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open')`,
        [
          reportId,
          projectId,
          researcher,
          agency,
          dataset,
          column.name,
          column.as,
          body.projectPseudonym ? "person" : "cohort",
          body.projectPseudonym ?? null,
          records.map((r) => r.source_record_id),
          records.map((r) => r.version),
          body.description,
        ],
      );
      const details = { reportId, dataset: column.dataset, variable: column.name };
      await ctx.audit.record(
        {
          actor: researcher,
          role: "researcher",
          action: "error.report.file",
          object: `project:${projectId}`,
          details: { ...details, scope: body.projectPseudonym ? "person" : "cohort" },
        },
        {
          actor: "release",
          role: "service",
          action: "error.report.route",
          object: `${agency}/${dataset}`,
          counts: { records: records.length },
          details,
        },
      );
      const { rows } = await ctx.pool.query<ReportRow>(
        "SELECT * FROM release.error_reports WHERE report_id = $1",
        [reportId],
      );
      reply.code(201);
      return researcherView(rows[0] as ReportRow);
    },
  );

  app.get(
    "/v1/projects/:id/error-reports",
    {
      preHandler: app.authorize("researcher"),
      schema: routeDoc("The researcher's error reports on a project, with the agencies' answers."),
    },
    async (request) => {
      const projectId = (request.params as { id: string }).id;
      await ownProject(projectId, request.user.sub);
      const { rows } = await ctx.pool.query<ReportRow>(
        "SELECT * FROM release.error_reports WHERE project_id = $1 ORDER BY filed_at, report_id",
        [projectId],
      );
      await ctx.audit.record({
        actor: request.user.sub,
        role: "researcher",
        action: "error.report.read",
        object: `project:${projectId}`,
        counts: { reports: rows.length, answered: rows.filter((r) => r.status !== "open").length },
      });
      return { reports: rows.map(researcherView) };
    },
  );

  app.get(
    "/v1/error-reports",
    {
      preHandler: app.authorize("agency"),
      schema: routeDoc("Error reports routed to the calling agency, by its own source record ids."),
    },
    async (request) => {
      const agency = request.user.sub;
      const { rows } = await ctx.pool.query<ReportRow>(
        `SELECT r.*, p.title FROM release.error_reports r JOIN release.projects p USING (project_id)
         WHERE r.agency = $1 ORDER BY r.filed_at, r.report_id`,
        [agency],
      );
      await ctx.audit.record({
        actor: agency,
        role: "agency",
        action: "error.report.read",
        object: `agency:${agency}`,
        counts: { reports: rows.length },
      });
      return { reports: rows.map(agencyView) };
    },
  );

  app.post(
    "/v1/error-reports/:reportId/answer",
    {
      preHandler: app.authorize("agency"),
      schema: routeDoc(
        "The owning agency answers an error report: confirmed, corrected or rejected.",
      ),
    },
    async (request) => {
      const { reportId } = request.params as { reportId: string };
      if (!uuid.test(reportId)) throw new KrpError("KRP_ERR_BAD_REQUEST", "reportId: a UUID");
      const parsed = answerSchema.safeParse(request.body);
      if (!parsed.success) throw bad(parsed.error);
      const agency = request.user.sub;
      const found = await ctx.pool.query<ReportRow>(
        "SELECT * FROM release.error_reports WHERE report_id = $1",
        [reportId],
      );
      const report = found.rows[0];
      if (!report) throw new KrpError("KRP_ERR_NOT_FOUND", `no error report ${reportId}`);
      // A valid token of another agency is refused (403), naming nothing of the report.
      if (report.agency !== agency)
        throw new KrpError(
          "KRP_ERR_FORBIDDEN",
          `error report ${reportId} is addressed to another agency; only it may answer`,
          { reportId },
        );
      if (report.status !== "open")
        throw new KrpError("KRP_ERR_CONFLICT", `the report is already ${report.status}`, {
          reportId,
          field: "status",
          status: report.status,
        });
      if (parsed.data.outcome === "corrected") {
        const { rows } = await ctx.pool.query<{ source_record_id: string; version: string }>(
          `SELECT source_record_id, version FROM release.records
           WHERE agency = $1 AND dataset = $2 AND source_record_id = ANY($3)`,
          [agency, report.dataset, report.source_record_ids],
        );
        const stale = report.source_record_ids.filter((id, i) => {
          const now = rows.find((r) => r.source_record_id === id);
          return !now || Number(now.version) <= Number(report.record_versions[i]);
        });
        if (report.scope === "cohort" || stale.length > 0)
          throw new KrpError(
            "KRP_ERR_CONFLICT",
            report.scope === "cohort"
              ? "a cohort report cannot be answered 'corrected': there is no record to correct"
              : `upload a newer version of record(s) ${stale.join(", ")} first`,
            report.scope === "cohort"
              ? { reportId, field: "outcome", scope: "cohort" }
              : { reportId, field: "outcome", sourceRecordIds: stale },
          );
      }
      const updated = await ctx.pool.query<ReportRow>(
        `UPDATE release.error_reports SET status = $2, answer = $3, answered_by = $4, answered_at = now()
         WHERE report_id = $1 AND status = 'open' RETURNING *`,
        [reportId, parsed.data.outcome, parsed.data.comment, agency],
      );
      if (updated.rowCount === 0)
        throw new KrpError("KRP_ERR_CONFLICT", "the report was answered meanwhile", {
          reportId,
          field: "status",
        });
      await ctx.audit.record({
        actor: agency,
        role: "agency",
        action: "error.report.answer",
        object: `project:${report.project_id}`,
        details: { reportId, outcome: parsed.data.outcome, dataset: `${agency}/${report.dataset}` },
      });
      return agencyView(updated.rows[0] as ReportRow);
    },
  );
}
