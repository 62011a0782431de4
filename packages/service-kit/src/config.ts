/**
 * Service configuration, parsed from the environment once with zod at start-up.
 * Nothing else reads process.env. Every variable has a default that works on a
 * developer machine; a malformed one stops the service with a `ConfigError` naming
 * the variable (e.g. `PORT: expected a number ≤ 65535, got "99999"`).
 */
import { join } from "node:path";
import { z } from "zod";
import { REPO_ROOT, SERVICE_NAMES, SERVICE_PORTS, type ServiceName } from "./paths";

const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kruispunt";

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const hostPort = /^[^\s,:]+:\d{1,5}$/;

/** The zod schema of every setting `service` reads (exported for deploy/ consistency tests). */
export function configSchema(service: ServiceName) {
  const urls = Object.fromEntries(
    SERVICE_NAMES.map((s) => [
      `KRUISPUNT_${s.toUpperCase()}_URL`,
      z.string().url().default(`http://127.0.0.1:${SERVICE_PORTS[s]}`),
    ]),
  ) as Record<`KRUISPUNT_${Uppercase<ServiceName>}_URL`, z.ZodDefault<z.ZodString>>;
  return z.object({
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(SERVICE_PORTS[service]),
    KAFKA_BROKERS: z
      .string()
      .default("127.0.0.1:9092")
      .refine(
        (v) => v.split(",").every((b) => hostPort.test(b.trim())),
        "a comma-separated list of host:port",
      ),
    /** Prefix of topic and consumer-group names; lets a test run share a cluster. */
    KAFKA_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'")
      .default(""),
    /** Attempts at one Kafka batch before its failing messages go to the dead-letter topic. */
    KAFKA_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
    /** A consumer killed without leaving holds its partitions this long (broker minimum 6000). */
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
    /** Replicas of each topic the services create (1 on one broker, 3 on a production cluster). */
    KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
    DATABASE_URL: z
      .string()
      .url()
      .refine((v) => /^postgres(ql)?:\/\//.test(v), "a postgres:// URL")
      .default(DEFAULT_DATABASE_URL),
    /**
     * PostgreSQL connections per service. Intake holds one per upload while Kafka
     * acknowledges a batch (admit.ts), so it gets more: with 5, four concurrent
     * uploads left one connection for every other query.
     */
    DATABASE_POOL_SIZE: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(service === "intake" ? 12 : 5),
    KRUISPUNT_DATA_DIR: z.string().min(1).default(join(REPO_ROOT, ".data")),
    /** Defaults to $KRUISPUNT_DATA_DIR/keys; set it where keys are mounted apart (k8s Secret). */
    KRUISPUNT_KEYS_DIR: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
    /**
     * Headers, then the body, must arrive within this, else 408 and the socket closes;
     * an upload need only bring 64 KiB per such window (body-deadline.ts).
     */
    HTTP_REQUEST_TIMEOUT_MS: milliseconds(120_000),
    /** An idle socket closes after this. */
    HTTP_IDLE_TIMEOUT_MS: milliseconds(30_000),
    /** On SIGTERM, in-flight work gets this long to finish before the process exits anyway. */
    SHUTDOWN_GRACE_MS: milliseconds(20_000),
    ...urls,
    /** Intake answers 503 while the pseudonymiser is more records than this behind. */
    INTAKE_MAX_BACKLOG: z.coerce.number().int().min(0).default(1_000_000),
  });
}

export interface ServiceConfig {
  service: ServiceName;
  host: string;
  port: number;
  kafkaBrokers: string[];
  kafkaNamespace: string;
  kafkaMaxAttempts: number;
  kafkaReplicationFactor: number;
  kafkaSessionTimeoutMs: number;
  databaseUrl: string;
  databasePoolSize: number;
  dataDir: string;
  keysDir: string;
  logLevel: string;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  shutdownGraceMs: number;
  /** Records on records.intake not yet consumed by the pseudonymiser above which intake answers 503. */
  intakeMaxBacklog: number;
  /** Base URL of each service, from KRUISPUNT_<SERVICE>_URL or http://127.0.0.1:<default port>. */
  serviceUrls: Record<ServiceName, string>;
}

/** A configuration setting is malformed; `setting` is the environment variable. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`configuration: ${setting}: ${problem}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses `env` (default process.env) for `service`. Throws a `ConfigError` naming
 * the first malformed variable and what it should be (the value itself is not
 * repeated: a DATABASE_URL can hold a password).
 */
export function loadConfig(
  service: ServiceName,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ServiceConfig> {
  // An empty variable counts as unset (compose files often write `FOO: ""`).
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const result = configSchema(service).safeParse(given);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? "?"), issue?.message ?? "invalid");
  }
  const parsed = result.data;
  return Object.freeze({
    service,
    host: parsed.HOST,
    port: parsed.PORT,
    kafkaBrokers: parsed.KAFKA_BROKERS.split(",")
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaNamespace: parsed.KAFKA_NAMESPACE,
    kafkaMaxAttempts: parsed.KAFKA_MAX_ATTEMPTS,
    kafkaReplicationFactor: parsed.KAFKA_REPLICATION_FACTOR,
    kafkaSessionTimeoutMs: parsed.KAFKA_SESSION_TIMEOUT_MS,
    databaseUrl: parsed.DATABASE_URL,
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    dataDir: parsed.KRUISPUNT_DATA_DIR,
    keysDir: parsed.KRUISPUNT_KEYS_DIR ?? join(parsed.KRUISPUNT_DATA_DIR, "keys"),
    logLevel: parsed.LOG_LEVEL,
    requestTimeoutMs: parsed.HTTP_REQUEST_TIMEOUT_MS,
    idleTimeoutMs: parsed.HTTP_IDLE_TIMEOUT_MS,
    shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
    intakeMaxBacklog: parsed.INTAKE_MAX_BACKLOG,
    serviceUrls: Object.fromEntries(
      SERVICE_NAMES.map((s) => [
        s,
        parsed[`KRUISPUNT_${s.toUpperCase() as Uppercase<ServiceName>}_URL` as const],
      ]),
    ) as Record<ServiceName, string>,
  });
}
