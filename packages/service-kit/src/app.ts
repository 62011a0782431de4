/**
 * The fastify instance every service starts from: JWT authentication with roles,
 * health and metrics endpoints, and one error handler that turns errors into
 * `{ code, message, details }` without ever echoing request bodies.
 */
import fastifyJwt from "@fastify/jwt";
import { type Claims, claimsSchema, type Role } from "@kruispunt/auth";
import type { Logger, ServiceMetrics } from "@kruispunt/observability";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Counter } from "prom-client";
import { ERRORS, KrpError } from "./errors";
import { registerOpenApi } from "./openapi";

declare module "@fastify/jwt" {
  interface FastifyJWT {
    payload: Claims;
    user: Claims;
  }
}

declare module "fastify" {
  interface FastifyInstance {
    /** preHandler: 401 without a valid token, 403 unless its role is one of `roles`. */
    authorize: (...roles: Role[]) => (request: FastifyRequest) => Promise<void>;
  }
}

export interface ServiceAppOptions {
  name: string;
  logger: Logger;
  metrics: ServiceMetrics;
  jwtSecret: string;
  /** Resolves when dependencies answer; rejects (→ 503 on /health/ready) otherwise. */
  ready?: () => Promise<void>;
  /** Largest JSON body in bytes (default 1 MiB); uploads stream and are not bound by it. */
  bodyLimit?: number;
}

/** Builds the app without listening, so tests can use `inject()`. */
export function buildServiceApp(options: ServiceAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
  }) as unknown as FastifyInstance;

  app.register(fastifyJwt, { secret: options.jwtSecret });
  registerOpenApi(app, options.name);

  app.decorate("authorize", (...roles: Role[]) => async (request: FastifyRequest) => {
    try {
      await request.jwtVerify();
    } catch {
      throw new KrpError("KRP_ERR_UNAUTHENTICATED", "a valid bearer token is required");
    }
    const claims = claimsSchema.safeParse(request.user);
    if (!claims.success)
      throw new KrpError("KRP_ERR_UNAUTHENTICATED", "the token lacks sub or role");
    if (!roles.includes(claims.data.role)) {
      throw new KrpError(
        "KRP_ERR_FORBIDDEN",
        `role "${claims.data.role}" may not do this; needs ${roles.join(" or ")}`,
      );
    }
  });

  const requests = new Counter({
    name: "kruispunt_http_requests_total",
    help: "HTTP requests by route template, method and status",
    labelNames: ["route", "method", "status"] as const,
    registers: [options.metrics.registry],
  });
  app.addHook("onResponse", async (request, reply) => {
    requests.inc({
      route: request.routeOptions.url ?? "unmatched",
      method: request.method,
      status: reply.statusCode,
    });
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) =>
      sendError(error, request, reply),
  );

  app.get("/health/live", { schema: healthSchema("Liveness: the process answers.") }, async () => ({
    status: "live",
    service: options.name,
  }));
  app.get(
    "/health/ready",
    {
      schema: healthSchema(
        "Readiness: 200 when the service's dependencies answer, 503 with Retry-After and the reason otherwise.",
      ),
    },
    async (_request, reply) => {
      try {
        await options.ready?.();
        return { status: "ready", service: options.name };
      } catch (error) {
        reply.code(503).header("retry-after", "5");
        return { status: "unavailable", service: options.name, reason: (error as Error).message };
      }
    },
  );
  app.get(
    "/metrics",
    {
      schema: {
        description:
          "Prometheus metrics in the text exposition format (counts only, no identifiers).",
        tags: ["operations"],
      },
    },
    async (_request, reply) => {
      reply.type(options.metrics.registry.contentType);
      return options.metrics.registry.metrics();
    },
  );
  return app;
}

/** Route schema of the health probes: `{ status, service, reason? }`. */
function healthSchema(description: string) {
  const body = {
    type: "object",
    required: ["status", "service"],
    properties: {
      status: { type: "string", enum: ["live", "ready", "unavailable"] },
      service: { type: "string" },
      reason: { type: "string", description: "why the service is not ready" },
    },
  };
  return { description, tags: ["operations"], response: { 200: body, 503: body } };
}

function sendError(
  error: Error & { statusCode?: number; code?: string; validation?: unknown },
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof KrpError) {
    if (error.code === "KRP_ERR_UNAVAILABLE") reply.header("retry-after", "5");
    return reply
      .code(error.statusCode)
      .send({ code: error.code, message: error.message, details: error.details });
  }
  const status = error.statusCode ?? 500;
  if (status === 415) {
    return reply.code(415).send({
      code: "KRP_ERR_UNSUPPORTED_MEDIA_TYPE",
      message: ERRORS.KRP_ERR_UNSUPPORTED_MEDIA_TYPE.description,
    });
  }
  if (status >= 400 && status < 500) {
    // Parser messages can quote the body (which may hold an identifier): keep
    // fastify's schema-validation text, replace everything else by a fixed one.
    const message = error.validation
      ? error.message
      : `malformed request (${error.code ?? "bad input"})`;
    return reply.code(status).send({ code: "KRP_ERR_BAD_REQUEST", message });
  }
  request.log.error(
    { err: { type: error.name, code: error.code, stack: error.stack } },
    "unhandled error",
  );
  return reply
    .code(500)
    .send({ code: "KRP_ERR_INTERNAL", message: ERRORS.KRP_ERR_INTERNAL.description });
}
