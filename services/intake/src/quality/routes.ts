/**
 * Quality reports over HTTP (issue 9). Both routes answer only the calling agency
 * about its own datasets and uploads. A dataset name is looked up among the caller's
 * own datasets (404 if it has none of that name); another agency's upload is a 403.
 */
import { datasetName } from "@kruispunt/contracts";
import { KrpError, routeDoc, type ServiceContext } from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { uploadStatus } from "../uploads";
import { datasetReport, uploadReport } from "./report";

/**
 * - `GET /v1/datasets/:dataset/quality` (agency) → DatasetReport: latest upload's
 *   profile and drift, linkage-store duplicates and linkage rates by method, freshness.
 * - `GET /v1/uploads/:uploadId/quality` (agency) → UploadReport: the upload's profile
 *   and its drift from the previous one. 404 for an unknown or unprofiled upload,
 *   403 for another agency's.
 * Both audited (quality.read).
 */
export function registerQualityReports(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    "/v1/datasets/:dataset/quality",
    {
      preHandler: app.authorize("agency"),
      schema: routeDoc("The quality report of one of the agency's datasets (counts only)."),
    },
    async (request) => {
      const parsed = datasetName.safeParse((request.params as { dataset?: string }).dataset);
      if (!parsed.success)
        throw new KrpError("KRP_ERR_BAD_REQUEST", "dataset: lowercase letters, digits, _ and -");
      const agency = request.user.sub;
      const report = await datasetReport(ctx, agency, parsed.data);
      if (!report)
        throw new KrpError("KRP_ERR_NOT_FOUND", `agency ${agency} has no dataset "${parsed.data}"`);
      await ctx.audit.record({
        actor: agency,
        role: "agency",
        action: "quality.read",
        object: `${agency}/${parsed.data}`,
      });
      return report;
    },
  );

  app.get(
    "/v1/uploads/:uploadId/quality",
    {
      preHandler: app.authorize("agency"),
      schema: routeDoc("The quality profile of one of the agency's uploads and its drift."),
    },
    async (request) => {
      const { uploadId } = request.params as { uploadId: string };
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uploadId))
        throw new KrpError("KRP_ERR_BAD_REQUEST", "uploadId: a UUID");
      const agency = request.user.sub;
      const report = await uploadReport(ctx.pool, agency, uploadId);
      if (!report) {
        // 403 if another agency's, 404 if there is no such upload.
        await uploadStatus(ctx.pool, agency, uploadId);
        throw new KrpError("KRP_ERR_NOT_FOUND", `upload ${uploadId} has no quality profile`);
      }
      await ctx.audit.record({
        actor: agency,
        role: "agency",
        action: "quality.read",
        object: `${agency}/${report.dataset}`,
        reference: uploadId,
      });
      return report;
    },
  );
}
