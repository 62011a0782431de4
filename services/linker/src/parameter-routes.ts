/**
 * HTTP for the Fellegi–Sunter parameters (fs-parameters.ts, estimate.ts): reading the
 * parameters in force, and estimating them by EM on this deployment's candidate pairs
 * then linking again with them. Aggregates only: agreement-level probabilities and
 * counts, never a record.
 */
import { getSchema, weights } from "@kruispunt/pprl";
import { KrpError, type ServiceContext } from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { estimateStatus, startEstimate } from "./estimate-job";
import { type ActiveParameters, activeParameters } from "./fs-parameters";

const round = (row: readonly number[], digits: number) => row.map((x) => Number(x.toFixed(digits)));

/** The parameters as shown: per field, m, u and the match weight log2(m/u) per level 0–3. */
function describe(active: ActiveParameters) {
  const w = weights(active.params);
  return {
    version: active.version,
    schemaId: active.schemaId,
    source:
      active.version === 0
        ? "shipped: EM on the candidate pairs of FEBRL 4 (packages/pprl scorer.ts)"
        : "EM on this deployment's candidate pairs",
    p: active.params.p,
    fields: getSchema(active.schemaId).fields.map((f, i) => ({
      name: f.name,
      m: round(active.params.m[i] as number[], 6),
      u: round(active.params.u[i] as number[], 6),
      weights: round(w[i] as number[], 3),
    })),
    pairs: active.pairs,
    patterns: active.patterns,
    estimatedBy: active.estimatedBy,
    estimatedAt: active.estimatedAt,
  };
}

const fieldSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    m: { type: "array", items: { type: "number" }, description: "P(level | match), levels 0–3" },
    u: { type: "array", items: { type: "number" }, description: "P(level | non-match)" },
    weights: { type: "array", items: { type: "number" }, description: "log2(m/u) per level" },
  },
} as const;

const parametersSchema = {
  type: "object",
  properties: {
    version: { type: "integer", description: "0: shipped; 1, 2, …: estimated here" },
    schemaId: { type: "string" },
    source: { type: "string" },
    p: { type: "number", description: "share of candidate pairs that are matches" },
    fields: { type: "array", items: fieldSchema },
    pairs: { type: ["integer", "null"] },
    patterns: { type: ["integer", "null"] },
    estimatedBy: { type: ["string", "null"] },
    estimatedAt: { type: ["string", "null"], format: "date-time" },
  },
} as const;

const statusSchema = {
  type: "object",
  properties: {
    estimateId: { type: "integer" },
    status: { type: "string", enum: ["running", "done", "refused", "failed"] },
    requestedBy: { type: "string" },
    requestedAt: { type: "string", format: "date-time" },
    finishedAt: { type: ["string", "null"], format: "date-time" },
    version: { type: ["integer", "null"], description: "the parameter version stored" },
    result: {
      type: ["object", "null"],
      properties: {
        links: { type: "integer", description: "pairs newly linked" },
        unlinks: { type: "integer", description: "links ended" },
        moved: { type: "integer", description: "records whose cluster changed" },
        review: { type: "integer", description: "pairs newly queued for review" },
        candidates: { type: "integer", description: "scored pairs kept" },
        pairs: { type: "integer", description: "candidate pairs EM ran on" },
        patterns: { type: "integer", description: "distinct comparison vectors among them" },
      },
    },
    reason: { type: ["string", "null"], description: "why it was refused or failed" },
  },
} as const;

/**
 * Registers:
 * - `GET /v1/linkage/parameters` (auditor, reviewer) → the parameters in force:
 *   `{version, schemaId, source, p, fields: [{name, m, u, weights}], pairs, patterns,
 *   estimatedBy, estimatedAt}` (m, u per agreement level 0–3 as in packages/pprl
 *   compare.ts; weights log2(m/u), Fellegi & Sunter 1969).
 * - `POST /v1/linkage/parameters/estimate` (reviewer) → 202 `{estimateId, status:
 *   "running"}`: in the background (estimate-job.ts), EM on every candidate pair of the
 *   store (estimate.ts), the estimate stored as a new version, every pair scored and every
 *   cluster settled again with it; the changes are published on linkage.events and
 *   audited (`link.decision`, `link.review`, and `linkage.parameters` with the counts).
 *   Body `{}` (it takes no options; other members are dropped). 409 KRP_ERR_CONFLICT (details.estimateId) while
 *   another runs.
 * - `GET /v1/linkage/parameters/estimates/:id` (auditor, reviewer) → `{estimateId, status,
 *   requestedBy, requestedAt, finishedAt, version, result, reason}`; status "refused" with
 *   the reason when there was nothing to estimate from or EM's estimate was degenerate
 *   (nothing changed then), "failed" when it broke off. `result`: links added and ended,
 *   records moved, pairs newly in review, `candidates` (scored pairs kept at or above the
 *   review threshold), `pairs` (candidate pairs EM ran on) and `patterns` (their distinct
 *   comparison vectors). 400 for an id that is not a whole number from 1 to 2^53 − 1;
 *   404 for an unknown one.
 */
export function parameterRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get(
    "/v1/linkage/parameters",
    {
      preHandler: app.authorize("auditor", "reviewer"),
      schema: {
        description:
          "Fellegi–Sunter parameters the linker scores with (m, u and weights per field and agreement level).",
        response: { 200: parametersSchema },
      },
    },
    async () => describe(await activeParameters(ctx.pool)),
  );

  app.post(
    "/v1/linkage/parameters/estimate",
    {
      preHandler: app.authorize("reviewer"),
      schema: {
        description:
          "Starts estimating m and u by EM on this deployment's candidate pairs, then linking again with them; audited.",
        body: {
          type: "object",
          additionalProperties: false,
          properties: {},
          description: "empty: the estimate takes no options",
        },
        response: {
          202: {
            type: "object",
            properties: { estimateId: { type: "integer" }, status: { type: "string" } },
          },
        },
      },
    },
    async (request, reply) => {
      const estimateId = await startEstimate(ctx, {
        actor: request.user.sub,
        role: request.user.role,
      });
      reply.code(202);
      return { estimateId, status: "running" };
    },
  );

  app.get(
    "/v1/linkage/parameters/estimates/:id",
    {
      preHandler: app.authorize("auditor", "reviewer"),
      schema: {
        description: "Status and outcome of one estimate.",
        params: {
          type: "object",
          required: ["id"],
          properties: { id: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
        },
        response: { 200: statusSchema },
      },
    },
    async (request) => {
      const id = (request.params as { id: number }).id;
      const status = await estimateStatus(ctx.pool, id);
      if (!status) throw new KrpError("KRP_ERR_NOT_FOUND", `estimate ${id} does not exist`);
      return status;
    },
  );
}
