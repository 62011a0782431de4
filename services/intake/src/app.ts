/**
 * Intake: the agencies' HTTPS API. Agencies register dataset contracts and stream
 * uploads (CSV or NDJSON, optionally gzip); each record gets a verdict, accepted
 * records leave for the pseudonymiser on Kafka with the identifier sealed to its
 * public key, idempotently by (agency, dataset, source record id, version).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import {
  decodeBody,
  MAX_SOURCE_RECORD_ID,
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
import type { FastifyInstance, FastifyRequest } from "fastify";
import { createAdmitter } from "./admit";
import { backlogGate } from "./backlog";
import { registerCatalogue } from "./catalogue/routes";
import { startKafkaIntake } from "./kafka-intake";
import { createProfiler, recordDateVariableOf } from "./quality/profile";
import { saveProfile } from "./quality/report";
import { registerQualityReports } from "./quality/routes";
import { beginUpload, finishUpload, uploadStatus, verdictLines } from "./uploads";
import { withdrawRecord } from "./withdraw";

/** Upload media types and the format each one is read as. */
const UPLOAD_FORMATS: Record<string, UploadFormat> = {
  "text/csv": "csv",
  "application/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const datasetParams = {
  type: "object",
  properties: { dataset: { type: "string", description: "dataset name" } },
  required: ["dataset"],
} as const;

/** True for errors that mean Kafka or PostgreSQL did not answer (→ 503, retry). */
function isUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string };
  if (e.name?.startsWith("KafkaJS")) return true;
  // node-postgres: connection refused/reset, or SQLSTATE classes 08 (connection) and 57 (operator intervention).
  return (
    e.code === "ECONNREFUSED" ||
    e.code === "ECONNRESET" ||
    (typeof e.code === "string" && /^(08|57)/.test(e.code))
  );
}

/**
 * Builds the intake app:
 * - `PUT /v1/datasets/:dataset` (role agency): register or replace a contract → 200 `{agency, dataset, contract}`.
 * - `GET /v1/datasets/:dataset` (role agency): the agency's contract, 404 if unknown.
 * - `POST /v1/datasets/:dataset/uploads` (role agency; `Content-Type: text/csv` or
 *   `application/x-ndjson`; optional `Content-Encoding: gzip`; optional `Upload-Id: UUID`
 *   to resume an upload after a broken connection): streams the file → 200 `UploadVerdict`
 *   (`uploadId`, `submitted`, `accepted`, `refused`, the first 1000 `refusals[]` with line,
 *   field and reason code of the first bad field, and `problems[]` listing every bad field
 *   when a record has more than one; `ignoredColumns`: the undeclared columns dropped
 *   under the contract's `extraColumns: "ignore"`, names only); 400 if the file is unreadable (empty, not CSV, lacks contract
 *   columns); 404 for an unregistered dataset; 415 for another media type; 503 with
 *   Retry-After when Kafka did not acknowledge or the pseudonymiser is too far behind
 *   (records up to `details.throughLine` have their verdicts; re-send the file).
 * - `GET /v1/uploads/:uploadId` (role agency): the upload's status and counts (and
 *   `ignoredColumns` once complete).
 * - `GET /v1/uploads/:uploadId/verdicts` (role agency): the verdict file, NDJSON.
 * - `DELETE /v1/datasets/:dataset/records/:sourceRecordId` (role agency): withdraw a record.
 * An agency token with a `datasets` claim may touch only those datasets (403 otherwise);
 * another agency's uploads answer 403, unknown ones 404.
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
  const publish = (messages: { key: string; value: Uint8Array }[]) =>
    ctx.bus.publish(TOPICS.intake, messages);
  const checkBacklog = backlogGate(ctx.bus, ctx.config.intakeMaxBacklog);

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
  // Kafka intake (kafka-intake.ts): one intake.<agency> consumer per registered agency.
  const registered = await ctx.pool.query<{ agency: string }>(
    "SELECT DISTINCT agency FROM intake.datasets",
  );
  const kafkaIntake = await startKafkaIntake(
    {
      bus: ctx.bus,
      logger: ctx.logger,
      loadContract: async (agency, dataset) => {
        const found = await ctx.pool.query(
          "SELECT contract FROM intake.datasets WHERE agency = $1 AND dataset = $2",
          [agency, dataset],
        );
        return found.rowCount === 0 ? null : contractSchema.parse(found.rows[0].contract);
      },
      onBatch: async (agency, counts) => {
        ctx.metrics.records.inc({ stage: "intake", outcome: "accepted" }, counts.accepted);
        ctx.metrics.records.inc({ stage: "intake", outcome: "refused" }, counts.refused);
        ctx.metrics.records.inc({ stage: "intake", outcome: "no_identifier" }, counts.noIdentifier);
        await ctx.audit.record({
          actor: agency,
          role: "agency",
          action: "intake.kafka",
          object: agency,
          counts,
        });
      },
    },
    registered.rows.map((r) => r.agency),
  );
  /** The dataset named in the path, if the caller's token is scoped to it. */
  const scopedDataset = (request: FastifyRequest): string => {
    const parsed = datasetName.safeParse((request.params as { dataset?: string }).dataset);
    if (!parsed.success)
      throw new KrpError(
        "KRP_ERR_BAD_REQUEST",
        "dataset: a dataset name is lowercase letters, digits, _ and -",
      );
    checkScope(request, parsed.data);
    return parsed.data;
  };
  const checkScope = (request: FastifyRequest, dataset: string) => {
    const scope = request.user.datasets;
    if (scope && !scope.includes(dataset))
      throw new KrpError("KRP_ERR_FORBIDDEN", `this token is not scoped to dataset "${dataset}"`, {
        dataset,
        tokenDatasets: scope,
      });
  };

  app.put(
    "/v1/datasets/:dataset",
    {
      preHandler: app.authorize("agency"),
      schema: {
        description:
          "Registers or replaces the calling agency's dataset contract (identifier field and scheme, and whether a record whose identifier is missing or invalid is refused or linked probabilistically (identifier.whenUnusable), source record id, version field, quasi-identifiers, content variables with type, unit and allowed values).",
        params: datasetParams,
      },
    },
    async (request) => {
      const dataset = scopedDataset(request);
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
      await kafkaIntake.ensureAgency(agency);
      await ctx.audit.record({
        actor: agency,
        role: "agency",
        action: "dataset.register",
        object: `${agency}/${dataset}`,
        details: { scheme: parsed.data.identifier.scheme, variables: parsed.data.variables.length },
      });
      return { agency, dataset, contract: parsed.data };
    },
  );

  app.get(
    "/v1/datasets/:dataset",
    {
      preHandler: app.authorize("agency"),
      schema: {
        description: "The calling agency's contract for a dataset.",
        params: datasetParams,
      },
    },
    async (request) => {
      const dataset = scopedDataset(request);
      return {
        agency: request.user.sub,
        dataset,
        contract: await loadContract(request.user.sub, dataset),
      };
    },
  );

  app.post(
    "/v1/datasets/:dataset/uploads",
    {
      preHandler: app.authorize("agency"),
      // A large file may stream for many minutes: cut only when it stops coming.
      config: { streamingBody: true },
      schema: {
        description:
          "Streams a CSV (RFC 4180) or NDJSON file, optionally gzip, through the dataset contract. Each record is accepted (durably in Kafka, acks=all) or refused with line, field and reason code; the full verdict file is at GET /v1/uploads/{uploadId}/verdicts. Send Upload-Id to resume after a broken connection.",
        params: datasetParams,
      },
    },
    async (request) => {
      const dataset = scopedDataset(request);
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
      const requestedId = request.headers["upload-id"];
      if (requestedId !== undefined && (typeof requestedId !== "string" || !UUID.test(requestedId)))
        throw new KrpError("KRP_ERR_BAD_REQUEST", "Upload-Id: a lowercase UUID");
      // Independent reads at once: each round trip to PostgreSQL counts under load.
      const [contract, recordDateVariable] = await Promise.all([
        loadContract(agency, dataset),
        recordDateVariableOf(ctx.pool, agency, dataset),
      ]);
      await checkBacklog();
      const uploadId = requestedId ?? randomUUID();
      await beginUpload(ctx.pool, { uploadId, agency, dataset, format });
      // Counts for the quality report (quality/profile.ts); never a value.
      const profiler = createProfiler(contract, recordDateVariable);
      try {
        const verdict = await processUpload({
          observer: profiler,
          agency,
          dataset,
          uploadId,
          contract,
          format,
          // Per transaction and Kafka send (admit.ts): the fewer, the less fixed cost per record.
          batchSize: 1000,
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
          publish,
          admit: createAdmitter({
            pool: ctx.pool,
            agency,
            dataset,
            uploadId,
            recordIdField: contract.sourceRecordId,
            versionField: contract.versionField ?? contract.sourceRecordId,
            publish,
            beforePublish: checkBacklog,
          }),
        });
        ctx.metrics.records.inc({ stage: "intake", outcome: "accepted" }, verdict.accepted);
        ctx.metrics.records.inc({ stage: "intake", outcome: "refused" }, verdict.refused);
        // Of the accepted, those without an identifier (contract identifier.whenUnusable).
        ctx.metrics.records.inc(
          { stage: "intake", outcome: "no_identifier" },
          verdict.withoutIdentifier,
        );
        ctx.metrics.recordsIn.inc({ stage: "intake" }, verdict.submitted);
        ctx.metrics.recordsOut.inc({ stage: "intake" }, verdict.accepted);
        for (const refusal of verdict.refusals)
          ctx.metrics.recordsRefused.inc({ stage: "intake", reason: refusal.code });
        // The audit entry and the quality profile at once, and only then "complete":
        // a crash between them leaves an audited upload that is not complete (the
        // agency re-sends it, every record "unchanged"), never a complete upload
        // without its audit entry. All settle before a failure is reported, so the
        // catch below never races the "complete" status.
        const written = await Promise.allSettled([
          saveProfile(ctx.pool, uploadId, agency, dataset, profiler.finish()),
          ctx.audit.record({
            actor: agency,
            role: "agency",
            action: "intake.upload",
            object: `${agency}/${dataset}`,
            reference: uploadId,
            counts: {
              submitted: verdict.submitted,
              accepted: verdict.accepted,
              refused: verdict.refused,
              noIdentifier: verdict.withoutIdentifier,
            },
          }),
        ]);
        for (const w of written) if (w.status === "rejected") throw w.reason;
        await finishUpload(ctx.pool, uploadId, "complete", null, verdict.ignoredColumns);
        return verdict;
      } catch (error) {
        if (error instanceof UploadFormatError) {
          await finishUpload(ctx.pool, uploadId, "refused", error.message);
          throw new KrpError("KRP_ERR_BAD_REQUEST", error.message, { uploadId, line: error.line });
        }
        const unavailable =
          isUnavailable(error) ||
          (error instanceof KrpError && error.code === "KRP_ERR_UNAVAILABLE");
        const reason = unavailable
          ? error instanceof KrpError
            ? error.message
            : "Kafka or PostgreSQL did not acknowledge the records"
          : "the upload stopped before the end of the file";
        await finishUpload(ctx.pool, uploadId, "interrupted", reason).catch(() => {});
        const status = await uploadStatus(ctx.pool, agency, uploadId).catch(() => null);
        const details = { uploadId, throughLine: status?.throughLine ?? 0 };
        if (unavailable)
          throw new KrpError(
            "KRP_ERR_UNAVAILABLE",
            `${reason}; records after line ${details.throughLine} were not accepted: re-send the file with Upload-Id ${uploadId}`,
            details,
          );
        if (request.raw.destroyed || request.raw.readableAborted)
          throw new KrpError(
            "KRP_ERR_BAD_REQUEST",
            "the connection broke during the upload",
            details,
          );
        throw error;
      }
    },
  );

  const uploadParams = {
    type: "object",
    properties: { uploadId: { type: "string", description: "upload id (UUID)" } },
    required: ["uploadId"],
  } as const;
  const ownUpload = async (request: FastifyRequest) => {
    const { uploadId } = request.params as { uploadId: string };
    if (!UUID.test(uploadId)) throw new KrpError("KRP_ERR_BAD_REQUEST", "uploadId: a UUID");
    const status = await uploadStatus(ctx.pool, request.user.sub, uploadId);
    checkScope(request, status.dataset);
    return status;
  };

  app.get(
    "/v1/uploads/:uploadId",
    {
      preHandler: app.authorize("agency"),
      schema: {
        description:
          "Status (receiving, complete, refused, interrupted) and running counts of one of the calling agency's uploads.",
        params: uploadParams,
      },
    },
    ownUpload,
  );

  app.get(
    "/v1/uploads/:uploadId/verdicts",
    {
      preHandler: app.authorize("agency"),
      schema: {
        description:
          "The verdict file (application/x-ndjson): one line per record in file order, accepted (`unchanged` if that version was already there) or refused with line, field, code and message (the first bad field; `problems` lists every one when there are several).",
        params: uploadParams,
      },
    },
    async (request, reply) => {
      const status = await ownUpload(request);
      reply.type("application/x-ndjson");
      return reply.send(Readable.from(verdictLines(ctx.pool, status.uploadId)));
    },
  );

  app.delete(
    "/v1/datasets/:dataset/records/:sourceRecordId",
    {
      preHandler: app.authorize("agency"),
      schema: {
        description:
          "Withdraws an accepted source record: the withdrawal flows through the pseudonymiser to the linker, which removes the record from its cluster. A higher version uploaded later reinstates it.",
        params: {
          type: "object",
          properties: {
            dataset: { type: "string", description: "dataset name" },
            sourceRecordId: {
              type: "string",
              // As in uploads: not too long, and no NUL (no text column holds it).
              pattern: `^[^\\u0000]{1,${MAX_SOURCE_RECORD_ID}}$`,
              description: "the agency's source record id",
            },
          },
          required: ["dataset", "sourceRecordId"],
        },
      },
    },
    async (request) => {
      const dataset = scopedDataset(request);
      const agency = request.user.sub;
      const { sourceRecordId } = request.params as { sourceRecordId: string };
      const contract = await loadContract(agency, dataset);
      try {
        const withdrawal = await withdrawRecord(ctx.pool, publish, {
          agency,
          dataset,
          sourceRecordId,
          scheme: contract.identifier.scheme,
        });
        await ctx.audit.record({
          actor: agency,
          role: "agency",
          action: "intake.withdraw",
          object: `${agency}/${dataset}`,
          counts: { withdrawn: withdrawal.changed ? 1 : 0 },
        });
        return withdrawal;
      } catch (error) {
        if (isUnavailable(error))
          throw new KrpError("KRP_ERR_UNAVAILABLE", "Kafka did not acknowledge the withdrawal");
        throw error;
      }
    },
  );

  registerCatalogue(app, ctx);
  registerQualityReports(app, ctx);
  return app;
}
