/**
 * bench:pseudonymise-http — the pseudonymiser's batch endpoint `POST /v1/pseudonymise`
 * (role service, `{scheme: "be-insz", identifiers: string[BENCH_BATCH = 1000]}`) under
 * autocannon, in identifiers per second, beside a baseline in the same run against the
 * same server: autocannon on `GET /health/live` (requests per second). The ratio of the
 * endpoint's request rate to the baseline's says how much of a request's cost is the
 * pseudonymisation work rather than HTTP, routing and logging.
 *
 * Starts the five services like the end-to-end harness (test/harness.ts) does: fresh
 * database kruispunt_bench_pseudo, data directory .data/bench-pseudo, Kafka namespace
 * `bench-<timestamp>.`, ports + 50000; needs Kafka (KAFKA_BROKERS, else the local broker
 * via deploy/kafka.sh start, left running) and PostgreSQL on 127.0.0.1:5432. Stops the
 * services at the end. BENCH_DURATION (15 s) per measurement after a 3 s warm-up of
 * each, BENCH_CONNECTIONS (4).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { issueToken } from "@kruispunt/auth";
import { failOnExit, initKeys, prepareDatabase, startServices } from "@kruispunt/cli";
import { keyFiles, REPO_ROOT, SERVICE_PORTS } from "@kruispunt/service-kit";
import { createPool } from "@kruispunt/store";
import autocannon from "autocannon";
import { waitReady } from "./bench-services";
import { envInt, fmt, inszInputs, printTable } from "./bench-util";

const NAME = "bench_pseudo";
const DATABASE = `kruispunt_${NAME}`;
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DATABASE}`;
const DATA_DIR = join(REPO_ROOT, ".data", "bench-pseudo");
const PORT_OFFSET = 50_000;
const NAMESPACE = `bench-${Date.now()}.`;
const BATCH = envInt("BENCH_BATCH", 1000);
const DURATION = envInt("BENCH_DURATION", 15);
const WARMUP = 3;
const CONNECTIONS = envInt("BENCH_CONNECTIONS", 4);
const BASE = `http://127.0.0.1:${SERVICE_PORTS.pseudonymiser + PORT_OFFSET}`;

if (!process.env.KAFKA_BROKERS) {
  // Idempotent: reuses a running local broker; never stopped here.
  execFileSync("bash", [join(REPO_ROOT, "deploy", "kafka.sh"), "start"], { stdio: "inherit" });
}
const brokers = process.env.KAFKA_BROKERS ?? "127.0.0.1:9092";

function run(title: string, options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ title, connections: CONNECTIONS, pipelining: 1, ...options });
}

function requestRate(r: autocannon.Result): number {
  return r["2xx"] / r.duration;
}

function requireClean(r: autocannon.Result): void {
  if (r.non2xx > 0 || r.errors > 0 || r["2xx"] === 0) {
    throw new Error(
      `${r.title}: ${r["2xx"]} ok, ${r.non2xx} non-2xx, ${r.errors} errors (${r.timeouts} timeouts)`,
    );
  }
}

// Fresh database and data directory, as the e2e harness does.
const admin = createPool("postgres://postgres@127.0.0.1:5432/postgres", 1);
await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
await admin.end();
rmSync(DATA_DIR, { recursive: true, force: true });
await prepareDatabase(DATABASE_URL);
const keysDir = join(DATA_DIR, "keys");
await initKeys(keysDir);

const services = startServices(
  DATA_DIR,
  { KAFKA_BROKERS: brokers, KAFKA_NAMESPACE: NAMESPACE, DATABASE_URL },
  PORT_OFFSET,
);
const crashed = failOnExit(services, join(DATA_DIR, "logs"));
crashed.catch(() => {}); // raced below; only matters while we wait or measure

try {
  const started = Date.now();
  await Promise.race([waitReady(`${BASE}/health/ready`, 120_000), crashed]);
  const token = issueToken(readFileSync(keyFiles(keysDir).jwtSecret, "utf8").trim(), {
    sub: "bench",
    role: "service",
  });
  const body = JSON.stringify({ scheme: "be-insz", identifiers: inszInputs(BATCH, 3).raw });
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

  // One checked request first: every identifier must come back pseudonymised.
  const probe = await fetch(`${BASE}/v1/pseudonymise`, { method: "POST", headers, body });
  if (!probe.ok) throw new Error(`POST /v1/pseudonymise → ${probe.status}: ${await probe.text()}`);
  const answer = (await probe.json()) as { results: { pseudonym?: string }[] };
  if (answer.results.length !== BATCH || answer.results.some((r) => !r.pseudonym)) {
    throw new Error("the probe batch did not come back fully pseudonymised");
  }

  console.log(
    `bench:pseudonymise-http — pseudonymiser on ${BASE} (ready after ${((Date.now() - started) / 1000).toFixed(1)} s), ` +
      `${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up, batches of ${fmt(BATCH)} INSZ ` +
      `(${fmt(body.length)} B body), node ${process.version}`,
  );

  const endpoint: autocannon.Options = {
    url: `${BASE}/v1/pseudonymise`,
    method: "POST",
    headers,
    body,
  };
  const live: autocannon.Options = { url: `${BASE}/health/live` };

  const measure = async (title: string, options: autocannon.Options) => {
    const result = await Promise.race([run(title, { ...options, duration: DURATION }), crashed]);
    requireClean(result);
    return result;
  };
  requireClean(
    await Promise.race([run("warm-up endpoint", { ...endpoint, duration: WARMUP }), crashed]),
  );
  requireClean(await Promise.race([run("warm-up live", { ...live, duration: WARMUP }), crashed]));
  const baseline = await measure("GET /health/live", live);
  const batch = await measure("POST /v1/pseudonymise", endpoint);

  const baseRate = requestRate(baseline);
  const batchRate = requestRate(batch);
  printTable(
    ["target", "requests", "req/s", "identifiers/s", "latency mean ms", "p99 ms"],
    [
      [
        "GET /health/live (baseline)",
        fmt(baseline["2xx"]),
        fmt(baseRate, 1),
        "–",
        fmt(baseline.latency.average, 2),
        fmt(baseline.latency.p99, 1),
      ],
      [
        `POST /v1/pseudonymise (${fmt(BATCH)} per request)`,
        fmt(batch["2xx"]),
        fmt(batchRate, 1),
        fmt(batchRate * BATCH),
        fmt(batch.latency.average, 2),
        fmt(batch.latency.p99, 1),
      ],
    ],
  );
  console.log(
    `RESULT pseudonymise-http: ${fmt(batchRate * BATCH)} identifiers/s (${fmt(batchRate, 1)} req/s of ${fmt(BATCH)}) ` +
      `vs GET /health/live ${fmt(baseRate)} req/s — request-rate ratio ${(batchRate / baseRate).toFixed(4)}`,
  );
} finally {
  await services.stop();
}
