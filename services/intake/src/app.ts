/**
 * Intake: the agencies' HTTPS API. Agencies register dataset contracts and stream
 * CSV uploads; each record gets a verdict, and accepted records leave for the
 * pseudonymiser on Kafka with the identifier sealed to its public key.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import {
  decodeBody,
  processUpload,
  type UploadFormat,
  UploadFormatError,
} from "@kruispunt/agency-client";
import { blindReady, readLinkerElGamalPublicKey } from "@kruispunt/blind";
import { TOPICS } from "@kruispunt/bus";
import { contractSchema, type DatasetContract, datasetName } from "@kruispunt/contracts";
import { cryptoReady } from "@kruispunt/crypto";
import {
  buildServiceApp,
  KrpError,
  keyFiles,
  type ServiceContext,
  serviceAppOptions,
} from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { registerCatalogue } from "./catalogue/routes";
import { createProfiler, recordDateVariableOf } from "./quality/profile";
import { saveProfile } from "./quality/report";
import { registerQualityReports } from "./quality/routes";

/** Upload media types and the format each one is read as. */
const UPLOAD_FORMATS: Record<string, UploadFormat> = {
  "text/csv": "csv",
  "application/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
};

/**
 * Builds the intake app:
 * - `PUT /v1/datasets/:dataset` (role agency): register or replace a contract → 200 `{agency, dataset, contract}`.
 * - `GET /v1/datasets/:dataset` (role agency): the agency's contract, 404 if unknown.
 * - `POST /v1/datasets/:dataset/uploads` (role agency, `Content-Type: text/csv`): streams the
 *   file → 200 `UploadVerdict` (`submitted`, `accepted`, `refused`, `refusals[]` with line,
 *   field and reason code); 400 if the file is not readable CSV or lacks contract columns;
 *   404 for an unregistered dataset; 503 with Retry-After if Kafka did not acknowledge.
 * - `GET /v1/uploads/:uploadId` (role agency): the upload's status and counts.
 * - The dataset catalogue (catalogue/routes.ts) and quality reports (quality/routes.ts).
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await cryptoReady();
  await blindReady();
  const sealPublicKey = Buffer.from(
    readFileSync(keyFiles(ctx.config.keysDir).pseudonymiserSealPublic, "utf8").trim(),
    "hex",
  );
  const app = buildServiceApp(serviceAppOptions(ctx));

  // Uploads stream: hand fastify's raw request stream to the record reader.
  app.addContentTypeParser([...Object.keys(UPLOAD_FORMATS)], (_request, payload, done) =>
    done(null, payload),
  );

  const loadContract = async (agency: string, dataset: string): Promise<DatasetContract> => {
    const found = await ctx.pool.query(
      "SELECT contract FROM intake.datasets WHERE agency = $1 AND dataset = $2",
      [agency, dataset],
    );
    if (found.rowCount === 0)
      throw new KrpError("KRP_ERR_NOT_FOUND", `agency ${agency} has no dataset "${dataset}"`);
    return contractSchema.parse(found.rows[0].contract);
  };
  const parseDataset = (params: unknown): string => {
    const parsed = datasetName.safeParse((params as { dataset?: string }).dataset);
    if (!parsed.success)
      throw new KrpError(
        "KRP_ERR_BAD_REQUEST",
        "dataset: a dataset name is lowercase letters, digits, _ and -",
      );
    return parsed.data;
  };

  app.put("/v1/datasets/:dataset", { preHandler: app.authorize("agency") }, async (request) => {
    const dataset = parseDataset(request.params);
    const parsed = contractSchema.safeParse(request.body);
    if (!parsed.success) {
      throw new KrpError("KRP_ERR_BAD_REQUEST", "the dataset contract is invalid", {
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    }
    const agency = request.user.sub;
    await ctx.pool.query(
      `INSERT INTO intake.datasets (agency, dataset, contract) VALUES ($1, $2, $3)
       ON CONFLICT (agency, dataset) DO UPDATE SET contract = EXCLUDED.contract, registered_at = now()`,
      [agency, dataset, parsed.data],
    );
    await ctx.audit.record({
      actor: agency,
      role: "agency",
      action: "dataset.register",
      object: `${agency}/${dataset}`,
      details: { scheme: parsed.data.identifier.scheme, variables: parsed.data.variables.length },
    });
    return { agency, dataset, contract: parsed.data };
  });

  app.get("/v1/datasets/:dataset", { preHandler: app.authorize("agency") }, async (request) => {
    const dataset = parseDataset(request.params);
    return {
      agency: request.user.sub,
      dataset,
      contract: await loadContract(request.user.sub, dataset),
    };
  });

  app.post(
    "/v1/datasets/:dataset/uploads",
    { preHandler: app.authorize("agency") },
    async (request) => {
      const dataset = parseDataset(request.params);
      const agency = request.user.sub;
      // Other content types reach here already parsed (JSON, text): refuse them.
      const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
      const format = UPLOAD_FORMATS[type ?? ""];
      if (!format) {
        throw new KrpError(
          "KRP_ERR_UNSUPPORTED_MEDIA_TYPE",
          "uploads are CSV (Content-Type: text/csv) or NDJSON (application/x-ndjson)",
        );
      }
      const contract = await loadContract(agency, dataset);
      const uploadId = randomUUID();
      await ctx.pool.query(
        "INSERT INTO intake.uploads (upload_id, agency, dataset, status) VALUES ($1, $2, $3, 'receiving')",
        [uploadId, agency, dataset],
      );
      const finish = (
        status: string,
        v: { submitted: number; accepted: number; refused: number },
      ) =>
        ctx.pool.query(
          "UPDATE intake.uploads SET status = $2, submitted = $3, accepted = $4, refused = $5, finished_at = now() WHERE upload_id = $1",
          [uploadId, status, v.submitted, v.accepted, v.refused],
        );
      // Counts for the quality report (quality/profile.ts); never a value.
      const profiler = createProfiler(
        contract,
        await recordDateVariableOf(ctx.pool, agency, dataset),
      );
      try {
        const verdict = await processUpload({
          observer: profiler,
          agency,
          dataset,
          uploadId,
          contract,
          format,
          // An empty request has no body stream: read it as an empty file (→ 400).
          body: decodeBody(
            typeof (request.body as Readable | undefined)?.pipe === "function"
              ? (request.body as Readable)
              : Readable.from([]),
            request.headers["content-encoding"]?.toLowerCase(),
          ),
          sealPublicKey,
          // Blind-mode datasets encrypt to the linker (read per upload: a key created
          // after start-up is picked up).
          elgamalPublicKey:
            contract.mode === "blind" ? readLinkerElGamalPublicKey(ctx.config.keysDir) : undefined,
          publish: (messages) => ctx.bus.publish(TOPICS.intake, messages),
        });
        await finish("complete", verdict);
        await saveProfile(ctx.pool, uploadId, agency, dataset, profiler.finish());
        ctx.metrics.records.inc({ stage: "intake", outcome: "accepted" }, verdict.accepted);
        ctx.metrics.records.inc({ stage: "intake", outcome: "refused" }, verdict.refused);
        ctx.metrics.recordsIn.inc({ stage: "intake" }, verdict.submitted);
        ctx.metrics.recordsOut.inc({ stage: "intake" }, verdict.accepted);
        for (const refusal of verdict.refusals)
          ctx.metrics.recordsRefused.inc({ stage: "intake", reason: refusal.code });
        await ctx.audit.record({
          actor: agency,
          role: "agency",
          action: "intake.upload",
          object: `${agency}/${dataset}`,
          reference: uploadId,
          counts: {
            submitted: verdict.submitted,
            accepted: verdict.accepted,
            refused: verdict.refused,
          },
        });
        return verdict;
      } catch (error) {
        await finish("failed", { submitted: 0, accepted: 0, refused: 0 });
        if (error instanceof UploadFormatError) {
          throw new KrpError("KRP_ERR_BAD_REQUEST", error.message, { line: error.line });
        }
        if ((error as { name?: string }).name?.startsWith("KafkaJS")) {
          throw new KrpError(
            "KRP_ERR_UNAVAILABLE",
            "Kafka did not acknowledge the records; nothing after the last acknowledged batch was accepted, re-send the file",
          );
        }
        throw error;
      }
    },
  );

  app.get("/v1/uploads/:uploadId", { preHandler: app.authorize("agency") }, async (request) => {
    const { uploadId } = request.params as { uploadId: string };
    if (!/^[0-9a-f-]{36}$/.test(uploadId))
      throw new KrpError("KRP_ERR_BAD_REQUEST", "uploadId: a UUID");
    const found = await ctx.pool.query(
      "SELECT upload_id, dataset, status, submitted, accepted, refused, started_at, finished_at FROM intake.uploads WHERE upload_id = $1 AND agency = $2",
      [uploadId, request.user.sub],
    );
    if (found.rowCount === 0)
      throw new KrpError("KRP_ERR_NOT_FOUND", `no upload ${uploadId} for this agency`);
    return found.rows[0];
  });

  registerCatalogue(app, ctx);
  registerQualityReports(app, ctx);
  return app;
}
