/**
 * What a running service holds: configuration, logger, metrics, Kafka, PostgreSQL
 * and its audit trail; plus `runService`, which listens and shuts down cleanly on
 * SIGTERM/SIGINT:
 *
 * 1. stop taking input: new HTTP requests get 503 (Retry-After), Kafka consumers
 *    stop fetching;
 * 2. drain: each consumer finishes its current batch (the handler commits its
 *    database transaction, then the offset is committed to Kafka), in-flight HTTP
 *    requests finish (an upload publishes its records and gets its verdict);
 * 3. close: app, Kafka producer, PostgreSQL pool; exit 0. If draining takes longer
 *    than SHUTDOWN_GRACE_MS the process exits 1 and Kafka redelivers what was not
 *    committed (handlers are idempotent).
 */
import { join } from "node:path";
import { readOrCreateJwtSecret } from "@kruispunt/auth";
import { Bus, TOPICS } from "@kruispunt/bus";
import {
  createLogger,
  createMetrics,
  type Logger,
  type ServiceMetrics,
} from "@kruispunt/observability";
import { createPool, type Pool } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import type { ServiceAppOptions } from "./app";
import { AuditTrail } from "./audit-trail";
import { ConfigError, loadConfig, type ServiceConfig } from "./config";
import { KrpError } from "./errors";
import type { ServiceName } from "./paths";

export interface ServiceContext {
  config: Readonly<ServiceConfig>;
  logger: Logger;
  metrics: ServiceMetrics;
  bus: Bus;
  pool: Pool;
  audit: AuditTrail;
  jwtSecret: string;
}

/**
 * Loads config from `env` (default process.env) and connects to Kafka and
 * PostgreSQL. Rejects if either is unreachable.
 */
export async function createContext(
  service: ServiceName,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServiceContext> {
  const config = loadConfig(service, env);
  const logger = createLogger(service, config.logLevel);
  const metrics = createMetrics(service);
  const pool = createPool(config.databaseUrl, config.databasePoolSize);
  await pool.query("SELECT 1");
  const bus = await Bus.connect({
    brokers: config.kafkaBrokers,
    clientId: `kruispunt-${service}`,
    logger,
    namespace: config.kafkaNamespace,
    maxAttempts: config.kafkaMaxAttempts,
    replicationFactor: config.kafkaReplicationFactor,
    sessionTimeoutMs: config.kafkaSessionTimeoutMs,
    observer: {
      consumed: (_group, topic, n) => metrics.recordsIn.inc({ stage: stageOf(service, topic) }, n),
      deadLettered: (_group, topic, n) => metrics.deadLetters.inc({ topic }, n),
    },
  });
  await bus.ensureTopics();
  metrics.refresh.push(async () => {
    for (const { group, topic, lag } of await bus.consumerLags())
      metrics.consumerLag.set({ group, topic }, lag);
  });
  const jwtSecret = readOrCreateJwtSecret(join(config.keysDir, "jwt.secret"));
  return { config, logger, metrics, bus, pool, audit: new AuditTrail(bus, service), jwtSecret };
}

/** The stage label of records a service consumes from `topic` (audit events are not records). */
function stageOf(service: ServiceName, topic: string): string {
  return topic === TOPICS.audit && service !== "audit" ? `${service}-audit` : service;
}

/** Readiness check shared by services: PostgreSQL answers. */
export function databaseReady(pool: Pool): () => Promise<void> {
  return async () => {
    await pool.query("SELECT 1");
  };
}

/**
 * The options every service passes to `buildServiceApp`: its name, logger, metrics,
 * JWT secret, HTTP timeouts from the configuration, and a readiness check over
 * PostgreSQL (`database`, default `databaseReady(ctx.pool)`) and Kafka (a broker
 * answers, no consumer stopped or waiting out an outage).
 */
export function serviceAppOptions(
  ctx: ServiceContext,
  database: () => Promise<void> = databaseReady(ctx.pool),
): ServiceAppOptions {
  return {
    name: ctx.config.service,
    logger: ctx.logger,
    metrics: ctx.metrics,
    jwtSecret: ctx.jwtSecret,
    requestTimeoutMs: ctx.config.requestTimeoutMs,
    idleTimeoutMs: ctx.config.idleTimeoutMs,
    ready: async () => {
      await Promise.all([
        database().catch((error: Error) => {
          throw new Error(`PostgreSQL: ${error.message}`);
        }),
        ctx.bus.health(),
      ]);
    },
  };
}

/**
 * Starts `service`: builds its app with `build`, listens on the configured port,
 * and shuts down in order on SIGTERM/SIGINT (see the module comment). A malformed
 * setting stops it before anything connects, with exit code 2 and one line on
 * stderr naming the setting.
 */
export async function runService(
  service: ServiceName,
  build: (context: ServiceContext) => Promise<FastifyInstance>,
): Promise<void> {
  let context: ServiceContext;
  try {
    context = await createContext(service);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kruispunt-${service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { logger, bus, pool, config } = context;
  const app = await build(context);
  let stopping = false;
  app.addHook("onRequest", async (request, reply) => {
    if (!stopping) return;
    const route = request.routeOptions.url;
    // Still alive while it drains: liveness answers, readiness says why not.
    if (route === "/healthz" || route === "/health/live") return;
    if (route === "/readyz" || route === "/health/ready") {
      return reply
        .code(503)
        .header("retry-after", "5")
        .send({ status: "unavailable", service, reason: "shutting down" });
    }
    throw new KrpError("KRP_ERR_UNAVAILABLE", "the service is shutting down");
  });
  // A request in hand when the signal came finishes, and then its connection closes:
  // an idle keep-alive connection would hold app.close() for the keep-alive timeout.
  app.addHook("onSend", async (_request, reply) => {
    if (stopping) reply.header("connection", "close");
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: draining consumers and requests");
    setTimeout(() => {
      logger.error({ graceMs: config.shutdownGraceMs }, "shutdown did not finish in time");
      process.exit(1);
    }, config.shutdownGraceMs).unref();
    await bus.stopConsumers();
    await app.close();
    await bus.close();
    await pool.end();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  await app.listen({ host: config.host, port: config.port });
  logger.info({ port: config.port }, "listening");
}
