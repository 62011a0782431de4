/**
 * The fastify instance every service starts from: JWT authentication with roles,
 * health and metrics endpoints, and one error handler that turns errors into
 * `{ code, message, details }` without ever echoing request bodies.
 */
import fastifyJwt from "@fastify/jwt";
import { type Claims, claimsSchema, type Role } from "@kruispunt/auth";
import { type Logger, type ServiceMetrics, stackWithoutMessage } from "@kruispunt/observability";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { registerBodyDeadline } from "./body-deadline";
import { ERRORS, KrpError } from "./errors";
import { OPENAPI_PATH, registerOpenApi } from "./openapi";

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
  /**
   * Milliseconds the headers, and then the body, of a request may take before the
   * server answers 408 and closes the socket, so a client trickling bytes cannot hold
   * a connection; a route with `config.streamingBody` need only keep its body coming
   * (body-deadline.ts). Default 120 000; config HTTP_REQUEST_TIMEOUT_MS.
   */
  requestTimeoutMs?: number;
  /** Milliseconds a socket may stay idle (default 30 000; config HTTP_IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
}

/**
 * What the request log line says about a request: method and route template
 * (`/v1/uploads/:uploadId`), never the raw URL, whose path or query could carry an
 * identifier a client put there.
 */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    route: request.routeOptions?.url ?? "unmatched",
    remoteAddress: request.ip,
  };
}

/** Builds the app without listening, so tests can use `inject()`. */
export function buildServiceApp(options: ServiceAppOptions): FastifyInstance {
  const requestTimeout = options.requestTimeoutMs ?? 120_000;
  const app = Fastify({
    loggerInstance: options.logger.child({}, { serializers: { req: requestForLog } }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Node's whole-request deadline is off: it would cut long uploads. Headers keep
    // Node's deadline; bodies get body-deadline.ts's.
    requestTimeout: 0,
    connectionTimeout: options.idleTimeoutMs ?? 30_000,
    http: {
      requestTimeout: 0,
      headersTimeout: requestTimeout,
      // Node checks header timeouts every connectionsCheckingInterval (default 30 s).
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, requestTimeout / 4)),
    },
    // A path parameter may be a source record id of up to 128 characters, each up to
    // 12 bytes percent-encoded; the route schemas set the real limits.
    maxParamLength: 1536,
    // The router's own refusals (a malformed or over-long path) in the shape of every
    // other error and without echoing the path, which can hold a record id.
    frameworkErrors: (error, request, reply) =>
      sendError(
        new KrpError(
          "KRP_ERR_BAD_REQUEST",
          `malformed request path (${(error as { code?: string }).code ?? "bad path"})`,
          {},
        ),
        request,
        reply as FastifyReply,
      ),
  }) as unknown as FastifyInstance;
  registerBodyDeadline(app, requestTimeout);

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
        { role: claims.data.role, allowedRoles: roles },
      );
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    const labels = {
      route: request.routeOptions.url ?? "unmatched",
      method: request.method,
      status: reply.statusCode,
    };
    options.metrics.httpRequests.inc(labels);
    options.metrics.httpSeconds.observe(labels, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) =>
      sendError(error, request, reply),
  );
  // An unknown route answers in the same { code, message, details } shape as every other
  // error, not fastify's default. The path is not echoed: it may hold an identifier.
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      code: "KRP_ERR_NOT_FOUND",
      message: `no route for ${request.method} here; the service's OpenAPI document lists its routes at ${OPENAPI_PATH}`,
      details: { method: request.method },
    }),
  );

  const live = async () => ({ status: "live", service: options.name });
  const ready = async (_request: FastifyRequest, reply: FastifyReply) => {
    try {
      await options.ready?.();
      return { status: "ready", service: options.name };
    } catch (error) {
      reply.code(503).header("retry-after", "5");
      return { status: "unavailable", service: options.name, reason: (error as Error).message };
    }
  };
  // /healthz and /readyz are the names Kubernetes probes use; /health/live and
  // /health/ready stay as aliases for existing clients. Probes log at warn only.
  for (const path of ["/healthz", "/health/live"]) {
    app.get(
      path,
      {
        schema: healthSchema("Liveness: 200 while the process serves requests."),
        logLevel: "warn",
      },
      live,
    );
  }
  for (const path of ["/readyz", "/health/ready"]) {
    app.get(
      path,
      {
        schema: healthSchema(
          "Readiness: 200 when PostgreSQL and Kafka answer (a broker responds, no consumer stopped or waiting out an outage), 503 with Retry-After and the reason otherwise.",
        ),
        logLevel: "warn",
      },
      ready,
    );
  }
  app.get(
    "/metrics",
    {
      schema: {
        description:
          "Prometheus metrics in the text exposition format (counts only, no identifiers).",
        tags: ["operations"],
      },
      logLevel: "warn",
    },
    async (_request, reply) => {
      await Promise.allSettled(options.metrics.refresh.map((refresh) => refresh()));
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

/** One failed schema rule of a request, as `details.problems[]` of a 400 names it. */
export interface ValidationProblem {
  /** Where: the request part and JSON pointer, e.g. "body/identifier/scheme", "params/id". */
  field: string;
  /** The JSON Schema keyword that failed (required, type, pattern, enum, maxLength …). */
  rule: string;
}

/**
 * The failed rules of a fastify schema validation (Ajv errors) as field and rule only:
 * a missing property is named as its own field; never a value, since a value can be
 * an identifier (Ajv's `params` can quote allowed values and patterns, not input, but
 * only the keyword is needed to act on it).
 */
function validationProblems(error: {
  validation?: unknown;
  validationContext?: string;
}): ValidationProblem[] {
  const errors = Array.isArray(error.validation) ? error.validation : [];
  return errors.map(
    (e: { instancePath?: string; keyword?: string; params?: { missingProperty?: unknown } }) => {
      const missing =
        e.keyword === "required" && typeof e.params?.missingProperty === "string"
          ? `/${e.params.missingProperty}`
          : "";
      return {
        field: `${error.validationContext ?? "request"}${e.instancePath ?? ""}${missing}`,
        rule: e.keyword ?? "invalid",
      };
    },
  );
}

function sendError(
  error: Error & {
    statusCode?: number;
    code?: string;
    validation?: unknown;
    validationContext?: string;
  },
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
  if (status === 413) {
    return reply.code(413).send({
      code: "KRP_ERR_PAYLOAD_TOO_LARGE",
      message: ERRORS.KRP_ERR_PAYLOAD_TOO_LARGE.description,
    });
  }
  if (status >= 400 && status < 500) {
    // Parser messages can quote the body (which may hold an identifier): keep
    // fastify's schema-validation text, replace everything else by a fixed one.
    if (error.validation) {
      return reply.code(status).send({
        code: "KRP_ERR_BAD_REQUEST",
        message: error.message,
        details: { problems: validationProblems(error) },
      });
    }
    const message = `malformed request (${error.code ?? "bad input"})`;
    return reply.code(status).send({ code: "KRP_ERR_BAD_REQUEST", message });
  }
  // The stack without its message line: a message can quote input (see logger.ts).
  request.log.error(
    { err: { type: error.name, code: error.code, stack: stackWithoutMessage(error) } },
    "unhandled error",
  );
  return reply
    .code(500)
    .send({ code: "KRP_ERR_INTERNAL", message: ERRORS.KRP_ERR_INTERNAL.description });
}
