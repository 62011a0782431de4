/**
 * What a running service holds: configuration, logger, metrics, Kafka, PostgreSQL
 * and its audit trail; plus `runService`, which listens and shuts down cleanly on
 * SIGTERM/SIGINT (stop taking requests, let consumers commit, close connections).
 */
import { join } from "node:path";
import { readOrCreateJwtSecret } from "@kruispunt/auth";
import { Bus } from "@kruispunt/bus";
import {
  createLogger,
  createMetrics,
  type Logger,
  type ServiceMetrics,
} from "@kruispunt/observability";
import { createPool, type Pool } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { AuditTrail } from "./audit-trail";
import { loadConfig, type ServiceConfig } from "./config";
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

/** Loads config and connects to Kafka and PostgreSQL. Rejects if either is unreachable. */
export async function createContext(service: ServiceName): Promise<ServiceContext> {
  const config = loadConfig(service);
  const logger = createLogger(service, config.logLevel);
  const metrics = createMetrics(service);
  const pool = createPool(config.databaseUrl);
  await pool.query("SELECT 1");
  const bus = await Bus.connect({
    brokers: config.kafkaBrokers,
    clientId: `kruispunt-${service}`,
    logger,
    namespace: config.kafkaNamespace,
  });
  await bus.ensureTopics();
  const jwtSecret = readOrCreateJwtSecret(join(config.keysDir, "jwt.secret"));
  return { config, logger, metrics, bus, pool, audit: new AuditTrail(bus, service), jwtSecret };
}

/** Readiness check shared by services: PostgreSQL answers. */
export function databaseReady(pool: Pool): () => Promise<void> {
  return async () => {
    await pool.query("SELECT 1");
  };
}

/**
 * Starts `service`: builds its app with `build`, listens on the configured port,
 * and on SIGTERM/SIGINT closes the app, then Kafka, then PostgreSQL.
 */
export async function runService(
  service: ServiceName,
  build: (context: ServiceContext) => Promise<FastifyInstance>,
): Promise<void> {
  const context = await createContext(service);
  const app = await build(context);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    context.logger.info({ signal }, "shutting down");
    await app.close();
    await context.bus.close();
    await context.pool.end();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  await app.listen({ host: context.config.host, port: context.config.port });
  context.logger.info({ port: context.config.port }, "listening");
}
