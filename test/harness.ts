/**
 * Starts the five services against a fresh database, data directory and Kafka
 * namespace, and runs the main job once. Each test file gets its own harness, so
 * runs never see each other's records (nor a demo's on the same broker).
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Bus } from "@kruispunt/bus";
import {
  initKeys,
  KruispuntClient,
  prepareDatabase,
  type RunningServices,
  runMainJob,
  type Summary,
  startServices,
} from "@kruispunt/cli";
import { createLogger } from "@kruispunt/observability";
import { REPO_ROOT, SERVICE_NAMES, SERVICE_PORTS, type ServiceName } from "@kruispunt/service-kit";
import { createPool, type Pool } from "@kruispunt/store";

export const FEBRL_DIR = join(REPO_ROOT, "..", "shared", "data", "febrl4");
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");

/**
 * KRUISPUNT_TEST_SLOT (0–9, default none) lets several checkouts run the same test
 * files at once on one machine: a slot suffixes every database name and moves every
 * port by slot × 100, so two runs never share a database, a port or a namespace.
 */
export const TEST_SLOT = process.env.KRUISPUNT_TEST_SLOT ?? "";
if (TEST_SLOT !== "" && !/^[0-9]$/.test(TEST_SLOT)) {
  throw new Error(`KRUISPUNT_TEST_SLOT must be one digit 0-9, got ${JSON.stringify(TEST_SLOT)}`);
}
/** The database (and data directory) name a test file uses for `name` in this slot. */
export function slotted(name: string): string {
  return TEST_SLOT === "" ? name : `${name}_s${TEST_SLOT}`;
}
/** Port offset for this slot added to a test file's own offset. */
export const SLOT_PORT_OFFSET = TEST_SLOT === "" ? 0 : Number(TEST_SLOT) * 100;

/**
 * Linux hands out local ports for outgoing connections from 32768 up
 * (net.ipv4.ip_local_port_range): a service port up there can already be held by one of
 * the run's own Kafka or PostgreSQL client sockets, and then the service cannot bind
 * (a CI run lost 300 s to that). Test files keep their offsets (spaced 1,000 apart, so
 * slots 0–9 never overlap) below it.
 */
export function servicePortOffset(portOffset: number): number {
  const offset = portOffset + SLOT_PORT_OFFSET;
  const highest = Math.max(...Object.values(SERVICE_PORTS)) + offset;
  if (highest >= 32_768) {
    throw new Error(
      `port offset ${portOffset} puts service port ${highest} in the ephemeral range`,
    );
  }
  return offset;
}

/**
 * Resolves never; rejects as soon as one of `services` exits, with the tail of its log,
 * so a service that cannot start fails the test file at once instead of after the
 * 300 s readiness wait.
 */
export function serviceExit(services: RunningServices, dataDir: string): Promise<never> {
  const exited = new Promise<never>((_, reject) => {
    for (const [service, child] of services.processes) {
      child.once("exit", (code, signal) => {
        const log = join(dataDir, "logs", `${service}.log`);
        const tail = existsSync(log) ? readFileSync(log, "utf8").slice(-2_000) : "(no log)";
        reject(new Error(`${service} exited (${code ?? signal}); its log ends:\n${tail}`));
      });
    }
  });
  exited.catch(() => {}); // a later, deliberate kill must not surface as an unhandled rejection
  return exited;
}

/**
 * Polls `probe` every `pollMs` until it resolves with something other than null or
 * false, and resolves with that. A probe that throws counts as "not yet" (a fault test
 * takes a dependency down on purpose); the error is named if time runs out. Rejects
 * after `timeoutMs` naming `what`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | false>,
  timeoutMs: number,
  pollMs = 500,
): Promise<Exclude<T, null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== false) return value as Exclude<T, null | false>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? "" : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * The linker's links between datasets `left` and `right` ("agency/dataset"), read as an
 * auditor (GET /v1/links), once there are at least `count` of them: records published
 * to Kafka are linked asynchronously. Rejects after `timeoutMs` (default 120 000).
 */
export function waitForLinks(
  stack: Pick<Stack, "client">,
  left: string,
  right: string,
  count: number,
  timeoutMs = 120_000,
): Promise<{ left: string; right: string }[]> {
  const auditor = { sub: "auditor-e2e", role: "auditor" as const };
  return waitFor(
    `${count} links between ${left} and ${right}`,
    async () => {
      const { pairs } = await stack.client.request<{ pairs: { left: string; right: string }[] }>(
        "linker",
        "GET",
        `/v1/links?left=${left}&right=${right}`,
        auditor,
      );
      return pairs.length >= count && pairs;
    },
    timeoutMs,
  );
}

/**
 * The stop of every stack `startStack` has spawned and that has not been stopped
 * yet, whether or not its start finished: a beforeAll that timed out never got the
 * stack to stop it, so `stopStacks` (run after every e2e file, see
 * test/stop-stacks.ts) ends it.
 */
const running = new Set<() => Promise<void>>();
/** Bumped by `stopStacks`: a start under way then gives up before it spawns anything. */
let generation = 0;

/**
 * Stops every stack this test file started (see `running`), also one still starting;
 * a start that has not spawned its services yet rejects instead of spawning them.
 */
export async function stopStacks(): Promise<void> {
  generation += 1;
  await Promise.all([...running].map((stop) => stop()));
}

/** The five services running against their own database, data directory and namespace. */
export interface Stack {
  name: string;
  client: KruispuntClient;
  pool: Pool;
  services: RunningServices;
  urls: Record<ServiceName, string>;
  dataDir: string;
  namespace: string;
  /** The Kafka brokers the services use. */
  kafkaBrokers: string[];
  databaseUrl: string;
  /** SIGTERM to every service (see RunningServices.stop), then closes `pool`; idempotent. */
  stop: () => Promise<void>;
}

export interface StackOptions {
  /** Picks the database (kruispunt_<name>), `.data/<name>` and the Kafka namespace (slotted). */
  name: string;
  /** Added to every service's default port (plus this slot's offset). */
  portOffset: number;
  /** Default KAFKA_BROKERS (the shared broker). */
  kafkaBrokers?: string[];
  /** Server URL without a database (default postgres://postgres@127.0.0.1:5432). */
  postgres?: string;
  /** Extra environment for the services (e.g. KAFKA_SESSION_TIMEOUT_MS). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the five services against a fresh database (dropped and migrated), data
 * directory (fresh keys) and Kafka namespace, and resolves once every service is
 * ready. The one start shared by `startHarness` and the fault tests (test/faults).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const started = generation;
  const name = slotted(options.name);
  const portOffset = servicePortOffset(options.portOffset);
  const postgres = options.postgres ?? "postgres://postgres@127.0.0.1:5432";
  const databaseUrl = `${postgres}/kruispunt_${name}`;
  const dataDir = join(REPO_ROOT, ".data", name);
  const namespace = `${name}-${Date.now()}.`;
  const kafkaBrokers = options.kafkaBrokers ?? KAFKA_BROKERS;
  const admin = createPool(`${postgres}/postgres`, 1);
  await admin.query(`DROP DATABASE IF EXISTS kruispunt_${name} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
  await prepareDatabase(databaseUrl);
  await initKeys(join(dataDir, "keys"));
  if (generation !== started) throw new Error(`${name}: stopped (stopStacks) while starting`);
  const services = startServices(
    dataDir,
    {
      KAFKA_BROKERS: kafkaBrokers.join(","),
      KAFKA_NAMESPACE: namespace,
      DATABASE_URL: databaseUrl,
      ...options.env,
    },
    portOffset,
  );
  const urls = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, `http://127.0.0.1:${SERVICE_PORTS[s] + portOffset}`]),
  ) as Record<ServiceName, string>;
  const client = new KruispuntClient({ keysDir: join(dataDir, "keys"), urls, env: {} });
  const pool = createPool(databaseUrl, 2);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await services.stop();
      await pool.end();
      running.delete(stop);
    })();
    return stopped;
  };
  running.add(stop);
  try {
    // Generous: on a loaded machine five tsx start-ups can take minutes.
    await Promise.race([client.waitReady(SERVICE_NAMES, 240_000), serviceExit(services, dataDir)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name,
    client,
    pool,
    services,
    urls,
    dataDir,
    namespace,
    kafkaBrokers,
    databaseUrl,
    stop,
  };
}

/**
 * A bus client of the test's own on `stack`'s brokers and namespace (to read a topic
 * or a group's offsets, or to publish what a forger would); the caller closes it.
 */
export function stackBus(
  stack: Pick<Stack, "kafkaBrokers" | "namespace">,
  clientId: string,
): Promise<Bus> {
  return Bus.connect({
    brokers: stack.kafkaBrokers,
    clientId,
    logger: createLogger("e2e", "warn"),
    namespace: stack.namespace,
  });
}

export interface Harness extends Stack {
  summary: Summary;
  outDir: string;
}

/**
 * `name` picks the database (kruispunt_<name>), `.data/<name>`, `out/<name>` and the
 * Kafka namespace; `portOffset` moves the services off the demo's ports; `mode` is the
 * dataset mode both agencies register (default "keyed").
 */
export async function startHarness(
  name: string,
  portOffset: number,
  limitPairs?: number,
  mode: "keyed" | "blind" = "keyed",
): Promise<Harness> {
  const outDir = join(REPO_ROOT, "out", slotted(name));
  rmSync(outDir, { recursive: true, force: true });
  const stack = await startStack({ name, portOffset });
  try {
    const summary = await Promise.race([
      runMainJob({
        client: stack.client,
        febrlDir: FEBRL_DIR,
        outDir,
        kafkaBrokers: KAFKA_BROKERS,
        kafkaNamespace: stack.namespace,
        limitPairs,
        mode,
        say: () => {},
      }),
      serviceExit(stack.services, stack.dataDir),
    ]);
    return { ...stack, summary, outDir };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
