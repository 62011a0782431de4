/**
 * Runs the five services for a benchmark as the end-to-end harness does: a fresh
 * database `kruispunt_<name>`, data directory `.data/<name>`, Kafka namespace
 * `<name>-<timestamp>.` and ports + `portOffset`; plus autocannon helpers and the peak
 * resident set size of a process. Needs Kafka (KAFKA_BROKERS, else the local broker via
 * deploy/kafka.sh start, left running) and PostgreSQL on 127.0.0.1:5432.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { issueToken, type Role } from "@kruispunt/auth";
import {
  failOnExit,
  initKeys,
  prepareDatabase,
  type RunningServices,
  startServices,
} from "@kruispunt/cli";
import {
  keyFiles,
  REPO_ROOT,
  SERVICE_NAMES,
  SERVICE_PORTS,
  type ServiceName,
} from "@kruispunt/service-kit";
import { createPool } from "@kruispunt/store";
import autocannon from "autocannon";

export interface BenchServices {
  services: RunningServices;
  /** Rejects as soon as a service exits on its own. */
  crashed: Promise<never>;
  urls: Record<ServiceName, string>;
  databaseUrl: string;
  namespace: string;
  brokers: string[];
  token: (sub: string, role: Role) => string;
  /** The services' keys directory (a KruispuntClient signs its tokens with it). */
  keysDir: string;
}

/** Polls `url` every 250 ms until it answers 2xx; throws after `timeoutMs`. */
export async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Starts the services and waits until every one answers /health/ready. With
 * KRUISPUNT_TEST_SLOT (one digit, as in test/harness.ts) the database and data
 * directory get the suffix `_s<slot>` and the ports move by slot × 100, so benchmarks
 * run from several checkouts at once do not share a database or a port.
 */
export async function startBenchServices(
  baseName: string,
  basePortOffset: number,
): Promise<BenchServices> {
  const slot = process.env.KRUISPUNT_TEST_SLOT ?? "";
  if (slot !== "" && !/^[0-9]$/.test(slot))
    throw new Error(`KRUISPUNT_TEST_SLOT must be one digit 0-9, got ${JSON.stringify(slot)}`);
  const name = slot === "" ? baseName : `${baseName}_s${slot}`;
  const portOffset = basePortOffset + (slot === "" ? 0 : Number(slot) * 100);
  if (!process.env.KAFKA_BROKERS) {
    execFileSync("bash", [join(REPO_ROOT, "deploy", "kafka.sh"), "start"], { stdio: "inherit" });
  }
  const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
  const database = `kruispunt_${name}`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
  const dataDir = join(REPO_ROOT, ".data", name);
  const namespace = `${name}-${Date.now()}.`;
  const admin = createPool("postgres://postgres@127.0.0.1:5432/postgres", 1);
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
  await prepareDatabase(databaseUrl);
  const keysDir = join(dataDir, "keys");
  await initKeys(keysDir);
  const services = startServices(
    dataDir,
    { KAFKA_BROKERS: brokers.join(","), KAFKA_NAMESPACE: namespace, DATABASE_URL: databaseUrl },
    portOffset,
  );
  const crashed = failOnExit(services, join(dataDir, "logs"));
  crashed.catch(() => {}); // raced by the callers
  const urls = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, `http://127.0.0.1:${SERVICE_PORTS[s] + portOffset}`]),
  ) as Record<ServiceName, string>;
  try {
    await Promise.race([
      Promise.all(SERVICE_NAMES.map((s) => waitReady(`${urls[s]}/health/ready`, 400_000))),
      crashed,
    ]);
  } catch (error) {
    await services.stop();
    throw error;
  }
  const secret = readFileSync(keyFiles(keysDir).jwtSecret, "utf8").trim();
  return {
    services,
    crashed,
    urls,
    databaseUrl,
    namespace,
    brokers,
    token: (sub, role) => issueToken(secret, { sub, role }),
    keysDir,
  };
}

/** Peak resident set size of process `pid` in MiB (Linux VmHWM), or NaN if unknown. */
export function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time process `pid` has used so far, user + system, in seconds (Linux
 * /proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s), or NaN if unknown.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of each service process, for differences over a measured interval. */
export function serviceCpu(services: RunningServices): Record<ServiceName, number> {
  return Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, cpuSeconds(services.processes.get(s)?.pid)]),
  ) as Record<ServiceName, number>;
}

/** Runs autocannon and throws unless every response was 2xx. */
export async function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  const result = await autocannon({ pipelining: 1, ...options });
  if (result.non2xx > 0 || result.errors > 0 || result["2xx"] === 0) {
    throw new Error(
      `${result.title}: ${result["2xx"]} ok, ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts)`,
    );
  }
  return result;
}
