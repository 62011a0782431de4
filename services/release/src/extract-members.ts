/**
 * Extract membership and the release side of the linkage log (issue 7). When an
 * extract is built, release records which person clusters it released and under
 * which project pseudonym (release.extract_members, migrations 1764403200005 and
 * 1764403200070), so that an auditor can ask which releases included a person, given
 * their linkage pseudonym or, for one project, their project pseudonym. Suppressed
 * persons were not released and are not members: an extract build stores its members
 * only once disclosure control has decided who is released.
 */

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { KrpError, type ServiceContext } from "@kruispunt/service-kit";
import type { PoolClient } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { from as copyFrom } from "pg-copy-streams";
import { z } from "zod";

/** One released person: their cluster (named by a linkage pseudonym) and project pseudonym. */
export interface ExtractMember {
  clusterId: string;
  projectPseudonym: string;
}

/** One extract that included a person, as the linkage log lists it. */
export interface ReleaseOfPerson {
  extractId: string;
  projectId: string;
  /** The committee's approval reference the extract was built under. */
  decisionReference: string | null;
  /** ISO-8601 UTC. */
  createdAt: string;
  /** Persons the extract released in all. */
  rows: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX = /^[0-9a-f]+$/;

/**
 * Stores the members of extract `extractId` (a lowercase UUID whose release.extracts
 * row the caller's transaction holds), inside that transaction, as the extract's own
 * partition of release.extract_members: a new table `release.extract_members_<uuid
 * without dashes>` filled by one `COPY … FROM STDIN` fed from `batches` as they come
 * (backpressure: the next batch is pulled only when PostgreSQL has taken the previous),
 * then attached. The table has no index while it is filled, so PostgreSQL appends rows
 * instead of checking each one; attaching builds its indexes in one sorted pass (1M
 * members: ~15 s against ~49 s into one indexed table with a foreign key, in SQL at
 * load 12–17). Batches in linkage-pseudonym order make the primary key's sort cheap.
 * Instead of a foreign key (see migration 1764403200070), the extract's row is locked
 * FOR KEY SHARE before attaching: it exists, and stays, for every member at once.
 *
 * Attaching holds a SHARE UPDATE EXCLUSIVE lock on release.extract_members until the
 * transaction ends: readers go on, a second build's attach waits for this commit.
 * Resolves with the number of rows stored; rejects with PostgreSQL's error (e.g. a
 * duplicate cluster), leaving the transaction aborted. Throws Error for an extract id
 * that is not a lowercase UUID (it names a table) or has no release.extracts row, or a
 * member whose ids are not lowercase hex, which COPY's text format would otherwise need
 * escaping for.
 */
export async function storeExtractMembers(
  client: PoolClient,
  extractId: string,
  batches: AsyncIterable<ExtractMember[]>,
): Promise<number> {
  if (!UUID.test(extractId)) throw new Error("an extract id must be a lowercase UUID");
  const partition = `release.extract_members_${extractId.replaceAll("-", "")}`;
  await client.query(`CREATE TABLE ${partition} (LIKE release.extract_members)`);
  const copy = client.query(
    copyFrom(`COPY ${partition} (extract_id, cluster_id, project_pseudonym) FROM STDIN`),
  );
  const prefix = `${extractId}\t`;
  async function* lines(): AsyncGenerator<string> {
    for await (const batch of batches) {
      let text = "";
      for (const m of batch) {
        if (!HEX.test(m.clusterId) || !HEX.test(m.projectPseudonym))
          throw new Error("an extract member's pseudonyms must be lowercase hex");
        text += `${prefix}${m.clusterId}\t${m.projectPseudonym}\n`;
      }
      if (text !== "") yield text;
    }
  }
  await pipeline(Readable.from(lines()), copy);
  const extract = await client.query(
    "SELECT 1 FROM release.extracts WHERE extract_id = $1 FOR KEY SHARE",
    [extractId],
  );
  if (extract.rowCount !== 1) throw new Error(`extract ${extractId} has no release.extracts row`);
  // The index builds sort every member: room to do it in memory (~100 MB at 1M).
  await client.query("SET LOCAL maintenance_work_mem = '256MB'");
  await client.query(
    `ALTER TABLE release.extract_members ATTACH PARTITION ${partition} FOR VALUES IN ('${extractId}')`,
  );
  return copy.rowCount;
}

const HEX64 = /^[0-9a-f]{64}$/;
const querySchema = z.object({
  linkagePseudonym: z
    .string()
    .regex(HEX64, "a linkage pseudonym: 64 lowercase hex characters")
    .optional(),
  projectId: z
    .string()
    .regex(/^p-[0-9a-f]{12}$/, "a project id p-xxxxxxxxxxxx")
    .optional(),
  projectPseudonym: z
    .string()
    .regex(HEX64, "a project pseudonym: 64 lowercase hex characters")
    .optional(),
});

function badRequest(path: string, message: string): KrpError {
  return new KrpError("KRP_ERR_BAD_REQUEST", `${path}: ${message}`, {
    issues: [{ path, message }],
  });
}

/** Parses the query: exactly one of {linkagePseudonym} and {projectId, projectPseudonym}. */
function parseQuery(
  query: unknown,
): { linkagePseudonym: string } | { projectId: string; projectPseudonym: string } {
  const parsed = querySchema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(String(issue?.path.join(".") ?? "query"), issue?.message ?? "invalid");
  }
  const q = parsed.data;
  if (q.linkagePseudonym !== undefined) {
    if (q.projectId !== undefined || q.projectPseudonym !== undefined)
      throw badRequest("linkagePseudonym", "give it alone, or projectId with projectPseudonym");
    return { linkagePseudonym: q.linkagePseudonym };
  }
  if (q.projectId === undefined)
    throw badRequest("linkagePseudonym", "required, or projectId with projectPseudonym");
  if (q.projectPseudonym === undefined)
    throw badRequest("projectPseudonym", "required with projectId");
  return { projectId: q.projectId, projectPseudonym: q.projectPseudonym };
}

/**
 * Registers `GET /v1/linkage-log` (role auditor; 401/403 otherwise):
 * - `?linkagePseudonym=LP` → `{linkagePseudonym, releases: ReleaseOfPerson[]}`: the
 *   extracts whose members include the cluster named LP, oldest first (empty if none).
 * - `?projectId=P&projectPseudonym=PP` → `{projectId, projectPseudonym,
 *   linkagePseudonym, releases}`: the person that PP stands for in project P's
 *   extracts, and every extract (of any project) that included them. 404 naming
 *   projectId if there is no such project, projectPseudonym if no extract of P
 *   released it.
 * Both lookups are themselves audited (action `linkage-log.lookup`, by the auditor,
 * before the answer is sent; no answer without its audit event). 400 naming the
 * field for a malformed value or a wrong combination of parameters. Project
 * pseudonyms of other projects are never returned.
 */
export function registerLinkageLog(app: FastifyInstance, ctx: ServiceContext): void {
  const releasesOf = async (clusterId: string): Promise<ReleaseOfPerson[]> => {
    const { rows } = await ctx.pool.query(
      `SELECT e.extract_id, e.project_id, p.decision_reference, e.created_at, e.rows
       FROM release.extract_members m
       JOIN release.extracts e USING (extract_id) JOIN release.projects p USING (project_id)
       WHERE m.cluster_id = $1 ORDER BY e.created_at, e.extract_id`,
      [clusterId],
    );
    return rows.map((r) => ({
      extractId: r.extract_id,
      projectId: r.project_id,
      decisionReference: r.decision_reference,
      createdAt: (r.created_at as Date).toISOString(),
      rows: r.rows,
    }));
  };

  app.get("/v1/linkage-log", { preHandler: app.authorize("auditor") }, async (request) => {
    const q = parseQuery(request.query);
    const lookup = (object: string, details: Record<string, string | number | boolean>) =>
      ctx.audit.record({
        actor: request.user.sub,
        role: "auditor",
        action: "linkage-log.lookup",
        object,
        details,
      });
    if ("linkagePseudonym" in q) {
      const releases = await releasesOf(q.linkagePseudonym);
      await lookup(`linkage-pseudonym:${q.linkagePseudonym}`, { releases: releases.length });
      return { linkagePseudonym: q.linkagePseudonym, releases };
    }
    const project = await ctx.pool.query("SELECT 1 FROM release.projects WHERE project_id = $1", [
      q.projectId,
    ]);
    if (project.rowCount === 0)
      throw new KrpError("KRP_ERR_NOT_FOUND", `projectId: no project ${q.projectId}`);
    const member = await ctx.pool.query<{ cluster_id: string }>(
      `SELECT m.cluster_id FROM release.extract_members m JOIN release.extracts e USING (extract_id)
       WHERE e.project_id = $1 AND m.project_pseudonym = $2 LIMIT 1`,
      [q.projectId, q.projectPseudonym],
    );
    const clusterId = member.rows[0]?.cluster_id;
    const releases = clusterId === undefined ? [] : await releasesOf(clusterId);
    await lookup(`project:${q.projectId}`, {
      projectPseudonym: q.projectPseudonym,
      found: clusterId !== undefined,
      releases: releases.length,
    });
    if (clusterId === undefined)
      throw new KrpError(
        "KRP_ERR_NOT_FOUND",
        `projectPseudonym: not released in any extract of project ${q.projectId}`,
      );
    return {
      projectId: q.projectId,
      projectPseudonym: q.projectPseudonym,
      linkagePseudonym: clusterId,
      releases,
    };
  });
}
