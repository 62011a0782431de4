/**
 * HTTP face of the reference directory (directory.ts). The linkage pseudonym travels in a
 * POST body, not in the URL, so that it stays out of access logs and proxies.
 */

import { type AuditTrail, KrpError } from "@kruispunt/service-kit";
import type { Pool } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { lookupDirectory } from "./directory";

/** Roles that may consult the directory: the auditor, and services routing a request. */
export const DIRECTORY_ROLES = ["auditor", "service"] as const;

const linkagePseudonym = /^[0-9a-f]{64}$/;

/**
 * Registers `POST /v1/directory/lookup` (roles auditor, service):
 * body `{linkagePseudonym: 64 lowercase hex}` → 200 `{clusterId, holders: [{agency, dataset,
 * records, heldFrom, heldUntil}]}` (see `DirectoryAnswer`); 400 KRP_ERR_BAD_REQUEST naming
 * `linkagePseudonym` when it is malformed; 404 KRP_ERR_NOT_FOUND when it is in no cluster;
 * 401/403 without a token or with another role. Every consultation, answered or not, is
 * audited as `directory.lookup` with the caller, the pseudonym asked and its cluster.
 */
export function directoryRoutes(app: FastifyInstance, pool: Pool, audit: AuditTrail): void {
  app.post(
    "/v1/directory/lookup",
    {
      preHandler: app.authorize(...DIRECTORY_ROLES),
      schema: {
        description:
          "Reference directory: which agencies' datasets hold records about the person with this linkage pseudonym, and for which period. Never any content.",
        body: {
          type: "object",
          required: ["linkagePseudonym"],
          additionalProperties: false,
          properties: { linkagePseudonym: { type: "string", maxLength: 64 } },
        },
      },
    },
    async (request) => {
      const lp = (request.body as { linkagePseudonym: string }).linkagePseudonym;
      if (!linkagePseudonym.test(lp)) {
        throw new KrpError(
          "KRP_ERR_BAD_REQUEST",
          "linkagePseudonym: expected 64 lowercase hex digits",
          { field: "linkagePseudonym" },
        );
      }
      const answer = await lookupDirectory(pool, lp);
      await audit.record({
        actor: request.user.sub,
        role: request.user.role,
        action: "directory.lookup",
        object: lp,
        counts: { holders: answer?.holders.length ?? 0 },
        details: { cluster: answer?.clusterId ?? null, found: answer !== null },
      });
      if (!answer) {
        throw new KrpError("KRP_ERR_NOT_FOUND", "linkagePseudonym: in no person cluster");
      }
      return answer;
    },
  );
}
