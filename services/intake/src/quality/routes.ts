/**
 * Quality reports over HTTP (issue 9). Both routes answer only the calling agency
 * about its own datasets and uploads: another agency's dataset or upload is a 404,
 * exactly as if it did not exist.
 */
import { datasetName } from "@kruispunt/contracts";
import { KrpError, routeDoc, type ServiceContext } from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { datasetReport, uploadReport } from "./report";

/**
 * - `GET /v1/datasets/:dataset/quality` (agency) → DatasetReport: latest upload's
 *   profile and drift, linkage-store duplicates and linkage rates by method, freshness.
 * - `GET /v1/uploads/:uploadId/quality` (agency) → UploadReport: the upload's profile
 *   and its drift from the previous one. 404 for an unknown or another agency's upload.
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
      if (!report) throw new KrpError("KRP_ERR_NOT_FOUND", `no upload ${uploadId} for this agency`);
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
