/**
 * Soak (issue 8): the five services on the shared Kafka and PostgreSQL (own
 * database kruispunt_soak*, namespace and ports), first driven as hard as they go
 * for SOAK_MAX_SECONDS (default 60: closed loop, 4 agencies' uploads in flight, 200
 * records each) to measure the maximum accepted records/s, then for SOAK_MINUTES
 * (default 10) at half that rate (open loop, one upload every 200 / (max/2) s).
 * Every 30 s it reports upload latency p50/p99, each service's resident memory
 * (/proc/<pid>/status VmRSS) and the linker's consumer lag. Ends with memory growth
 * per service (first vs last window) and one RESULT line. Bounded: it stops after
 * the soak even if the pipeline still has lag. Figures, no assertions.
 *
 *   pnpm --filter @kruispunt/benchmarks run bench:soak
 */
import { readFileSync } from "node:fs";
import { SERVICE_NAMES } from "@kruispunt/service-kit";
import { recordsCsv, startFaultStack, upload } from "../../test/faults/stack";

const MAX_SECONDS = Number(process.env.SOAK_MAX_SECONDS ?? 60);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CHUNK = 200;
const WINDOW_MS = 30_000;

const rssMiB = (pid: number | undefined) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
};
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

const stack = await startFaultStack({
  name: "soak",
  portOffset: 24_000,
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  postgres: "postgres://postgres@127.0.0.1:5432",
});
let next = 0;
const send = async () => {
  const from = next;
  next += CHUNK;
  const t0 = performance.now();
  const outcome = await upload(stack, recordsCsv(from, CHUNK));
  return { ms: performance.now() - t0, ok: outcome.status === 200 };
};

try {
  // 1. Maximum: closed loop.
  let accepted = 0;
  const maxEnd = Date.now() + MAX_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < maxEnd) if ((await send()).ok) accepted += CHUNK;
    }),
  );
  const maxRate = accepted / MAX_SECONDS;
  const rate = maxRate / 2;
  console.log(
    `maximum: ${maxRate.toFixed(0)} records/s accepted over ${MAX_SECONDS} s; soak at ${rate.toFixed(0)} records/s for ${MINUTES} min`,
  );

  // 2. Soak: open loop at half the maximum.
  const rows: {
    t: number;
    n: number;
    p50: number;
    p99: number;
    failed: number;
    lag: number;
    rss: Record<string, number>;
  }[] = [];
  const start = Date.now();
  const end = start + MINUTES * 60_000;
  const interval = (CHUNK / rate) * 1000;
  let window: number[] = [];
  let failed = 0;
  const inflight = new Set<Promise<void>>();
  let windowEnd = start + WINDOW_MS;
  console.log(
    "t(s)   uploads  p50 ms  p99 ms  failed  linker lag  " +
      SERVICE_NAMES.map((s) => `${s} MiB`).join("  "),
  );
  for (let tick = start; Date.now() < end; tick += interval) {
    const wait = tick - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = send().then((r) => {
      window.push(r.ms);
      if (!r.ok) failed += 1;
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (Date.now() >= windowEnd) {
      const metrics = await fetch(`${stack.urls.linker}/metrics`)
        .then((r) => r.text())
        .catch(() => "");
      const lag = [...metrics.matchAll(/^kruispunt_kafka_consumer_lag\{[^}]*\} (\d+)/gm)].reduce(
        (a, m) => a + Number(m[1]),
        0,
      );
      const rss = Object.fromEntries(
        SERVICE_NAMES.map((s) => [s, rssMiB(stack.services.processes.get(s)?.pid)]),
      );
      const row = {
        t: Math.round((Date.now() - start) / 1000),
        n: window.length,
        p50: quantile(window, 0.5),
        p99: quantile(window, 0.99),
        failed,
        lag,
        rss,
      };
      rows.push(row);
      console.log(
        `${String(row.t).padStart(4)}  ${String(row.n).padStart(8)}  ${row.p50.toFixed(0).padStart(6)}  ${row.p99.toFixed(0).padStart(6)}  ${String(failed).padStart(6)}  ${String(lag).padStart(10)}  ` +
          SERVICE_NAMES.map((s) => (rss[s] ?? 0).toFixed(0).padStart(s.length + 4)).join("  "),
      );
      window = [];
      failed = 0;
      windowEnd += WINDOW_MS;
    }
  }
  await Promise.all(inflight);
  const first = rows[0];
  const last = rows[rows.length - 1];
  const growth = SERVICE_NAMES.map(
    (s) => `${s} ${((last?.rss[s] ?? 0) - (first?.rss[s] ?? 0)).toFixed(0)} MiB`,
  ).join(", ");
  const p99s = rows.map((r) => r.p99.toFixed(0)).join(" ");
  console.log(
    `RESULT soak: max ${maxRate.toFixed(0)} records/s, soak ${rate.toFixed(0)} records/s for ${MINUTES} min (${next} records sent); RSS growth first→last window: ${growth}; p99 ms per window: ${p99s}; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
} finally {
  await stack.stop();
}
