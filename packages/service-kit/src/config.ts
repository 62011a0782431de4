/**
 * Service configuration, parsed from the environment once with zod. Nothing else
 * reads process.env. Every variable has a default that works on a developer machine.
 */
import { join } from "node:path";
import { z } from "zod";
import { REPO_ROOT, SERVICE_NAMES, SERVICE_PORTS, type ServiceName } from "./paths";

const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kruispunt";

function baseSchema(service: ServiceName) {
  return z.object({
    HOST: z.string().default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(SERVICE_PORTS[service]),
    KAFKA_BROKERS: z.string().default("127.0.0.1:9092"),
    /** Prefix of topic and consumer-group names; lets a test run share a cluster. */
    KAFKA_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9._-]*$/)
      .default(""),
    DATABASE_URL: z.string().url().default(DEFAULT_DATABASE_URL),
    KRUISPUNT_DATA_DIR: z.string().default(join(REPO_ROOT, ".data")),
    /** Defaults to $KRUISPUNT_DATA_DIR/keys; set it where keys are mounted apart (k8s Secret). */
    KRUISPUNT_KEYS_DIR: z.string().optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  });
}

export interface ServiceConfig {
  service: ServiceName;
  host: string;
  port: number;
  kafkaBrokers: string[];
  kafkaNamespace: string;
  databaseUrl: string;
  dataDir: string;
  keysDir: string;
  logLevel: string;
  /** Base URL of each service, from KRUISPUNT_<SERVICE>_URL or http://127.0.0.1:<default port>. */
  serviceUrls: Record<ServiceName, string>;
}

/**
 * Parses `env` (default process.env) for `service`. Throws a zod error naming the
 * variable when one is malformed.
 */
export function loadConfig(
  service: ServiceName,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ServiceConfig> {
  const parsed = baseSchema(service).parse(env);
  return Object.freeze({
    service,
    host: parsed.HOST,
    port: parsed.PORT,
    kafkaBrokers: parsed.KAFKA_BROKERS.split(",")
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaNamespace: parsed.KAFKA_NAMESPACE,
    databaseUrl: parsed.DATABASE_URL,
    dataDir: parsed.KRUISPUNT_DATA_DIR,
    keysDir: parsed.KRUISPUNT_KEYS_DIR ?? join(parsed.KRUISPUNT_DATA_DIR, "keys"),
    logLevel: parsed.LOG_LEVEL,
    serviceUrls: Object.fromEntries(
      SERVICE_NAMES.map((s) => [
        s,
        env[`KRUISPUNT_${s.toUpperCase()}_URL`] ?? `http://127.0.0.1:${SERVICE_PORTS[s]}`,
      ]),
    ) as Record<ServiceName, string>,
  });
}
