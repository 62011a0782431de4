/**
 * Usage transparency (issue 9): an agency sees which approved projects received
 * which of its variables, when, and for how many persons. From release's own tables:
 * each extract of a project whose spec names one of the agency's datasets, the
 * variables it took from them, and the released persons (release.extract_members)
 * who have a record in one of those datasets.
 */
import { routeDoc, type ServiceContext } from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { projectSpecSchema } from "./project";

export interface UsageRow {
  projectId: string;
  title: string;
  decisionReference: string | null;
  extractId: string;
  /** ISO 8601. */
  releasedAt: string;
  /** AGENCY/DATASET/VARIABLE names the extract took from this agency. */
  variables: string[];
  /** Released persons with a record in one of those datasets. */
  persons: number;
}

/**
 * `GET /v1/usage` (agency) → `{agency, releases: UsageRow[]}`, oldest first. Audited
 * (usage.read).
 */
export function registerUsage(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    "/v1/usage",
    {
      preHandler: app.authorize("agency"),
      schema: routeDoc(
        "Which approved projects received which of the agency's variables, when, for how many persons.",
      ),
    },
    async (request) => {
      const agency = request.user.sub;
      const { rows } = await ctx.pool.query<{
        extract_id: string;
        project_id: string;
        title: string;
        decision_reference: string | null;
        spec: unknown;
        created_at: Date;
      }>(
        `SELECT e.extract_id, e.project_id, p.title, p.decision_reference, p.spec, e.created_at
         FROM release.extracts e JOIN release.projects p USING (project_id)
         WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(p.spec->'variables') v
                       WHERE split_part(v->>'dataset', '/', 1) = $1)
         ORDER BY e.created_at, e.extract_id`,
        [agency],
      );
      const releases: UsageRow[] = [];
      for (const row of rows) {
        const spec = projectSpecSchema.parse(row.spec);
        const mine = spec.variables.filter((v) => v.dataset.startsWith(`${agency}/`));
        const datasets = [...new Set(mine.map((v) => v.dataset.split("/")[1] as string))];
        const persons = await ctx.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM release.extract_members m
           WHERE m.extract_id = $1 AND EXISTS (
             SELECT 1 FROM release.records r
             WHERE r.cluster_id = m.cluster_id AND r.agency = $2 AND r.dataset = ANY($3))`,
          [row.extract_id, agency, datasets],
        );
        releases.push({
          projectId: row.project_id,
          title: row.title,
          decisionReference: row.decision_reference,
          extractId: row.extract_id,
          releasedAt: row.created_at.toISOString(),
          variables: mine.map((v) => `${v.dataset}/${v.name}`),
          persons: persons.rows[0]?.n ?? 0,
        });
      }
      await ctx.audit.record({
        actor: agency,
        role: "agency",
        action: "usage.read",
        object: `agency:${agency}`,
        counts: { releases: releases.length },
      });
      return { agency, releases };
    },
  );
}
