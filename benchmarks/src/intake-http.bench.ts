/**
 * bench:intake-http — intake's upload endpoint `POST /v1/datasets/:dataset/uploads`
 * with NDJSON bodies of BENCH_BATCH (1,000) synthetic records (packages/synthetic,
 * seed 1) under autocannon, in records per second, beside a baseline in the same run:
 * a bare fastify endpoint in this process that reads the same body and JSON.parses
 * each line (the least any NDJSON intake must do). Every intake request carries
 * records intake has not seen (see BENCH_BODIES below), so each one takes the whole
 * path: validation, sealing, PostgreSQL and Kafka. The ratio says what validation,
 * sealing, Kafka (acks=all) and the upload bookkeeping cost on top of parsing.
 *
 * The five services run as in the e2e harness (bench-services.ts: database
 * kruispunt_bench_intake, ports + 51 000), so the pseudonymiser and linker work
 * through the records downstream while intake is measured, on the same 2 cores.
 * BENCH_DURATION (15 s) per measurement after a 3 s warm-up, BENCH_CONNECTIONS (4).
 */

import { loadavg } from "node:os";
import { generateRows, SYNTHETIC_CONTRACT } from "@kruispunt/synthetic";
import type autocannon from "autocannon";
import autocannonRaw from "autocannon";
import Fastify from "fastify";
import { type BenchServices, cannon, serviceCpu, startBenchServices } from "./bench-services";
import { envInt, fmt, printTable } from "./bench-util";

const BATCH = envInt("BENCH_BATCH", 1000);
const DURATION = envInt("BENCH_DURATION", 15);
const CONNECTIONS = envInt("BENCH_CONNECTIONS", 4);
const WARMUP = 3;

// BENCH_BODIES bodies of distinct persons; request k sends body k mod BENCH_BODIES with
// its record ids prefixed by the round (k div BENCH_BODIES), so that every request
// brings new records (published to Kafka, pseudonymised and linked downstream) and a
// person recurs once a round, as a person has several records over time.
const BODIES = envInt("BENCH_BODIES", 60);
const bodies: string[][] = [];
{
  let lines: string[] = [];
  for (const { record } of generateRows({ count: BATCH * BODIES, seed: 1 })) {
    lines.push(JSON.stringify(record));
    if (lines.length === BATCH) {
      bodies.push(`${lines.join("\n")}\n`.split('"record_id":"a-'));
      lines = [];
    }
  }
}
let sent = 0;
/** The next fresh body: body k mod BODIES, record ids `r<round>-…`. */
const nextBody = () => {
  const k = sent++;
  return (bodies[k % BODIES] as string[]).join(`"record_id":"r${Math.floor(k / BODIES)}-`);
};
const body = (bodies[0] as string[]).join('"record_id":"a-');

// Baseline: the same body parsed line by line by a bare fastify route.
const bare = Fastify({ bodyLimit: 64 * 1024 * 1024 });
bare.addContentTypeParser("application/x-ndjson", { parseAs: "string" }, (_r, text, done) =>
  done(null, text),
);
bare.post("/parse", async (request) => {
  let records = 0;
  for (const line of (request.body as string).split("\n")) {
    if (line === "") continue;
    JSON.parse(line);
    records++;
  }
  return { records };
});
const bareUrl = await bare.listen({ host: "127.0.0.1", port: 0 });

let bench: BenchServices | undefined;
try {
  const started = Date.now();
  bench = await startBenchServices("bench_intake", 51_000);
  const agency = bench.token("bench", "agency");
  const headers = { authorization: `Bearer ${agency}`, "content-type": "application/json" };
  const put = await fetch(`${bench.urls.intake}/v1/datasets/synthetic`, {
    method: "PUT",
    headers,
    body: JSON.stringify(SYNTHETIC_CONTRACT),
  });
  if (!put.ok) throw new Error(`PUT contract → ${put.status}: ${await put.text()}`);
  const uploadUrl = `${bench.urls.intake}/v1/datasets/synthetic/uploads`;
  const uploadHeaders = { ...headers, "content-type": "application/x-ndjson" };
  const upload: autocannon.Options = {
    url: uploadUrl,
    requests: [
      {
        method: "POST",
        path: "/v1/datasets/synthetic/uploads",
        headers: uploadHeaders,
        setupRequest: (request) => ({ ...request, body: nextBody() }),
      },
    ],
  };
  // One checked request: every record accepted.
  const probe = await fetch(uploadUrl, {
    method: "POST",
    headers: uploadHeaders,
    body: nextBody(),
  });
  const verdict = (await probe.json()) as { accepted?: number };
  if (!probe.ok || verdict.accepted !== BATCH)
    throw new Error(`probe upload → ${probe.status}: ${JSON.stringify(verdict).slice(0, 300)}`);
  const baselineOptions = {
    url: `${bareUrl}/parse`,
    method: "POST" as const,
    headers: { "content-type": "application/x-ndjson" },
    body,
  };
  console.log(
    `bench:intake-http — intake on ${bench.urls.intake} (services ready after ${((Date.now() - started) / 1000).toFixed(1)} s), ` +
      `${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up, NDJSON batches of ${fmt(BATCH)} ` +
      `(${fmt(body.length)} B), node ${process.version}`,
  );
  const measure = (title: string, options: autocannon.Options, duration: number) =>
    Promise.race([
      cannon({ title, connections: CONNECTIONS, duration, ...options }),
      bench?.crashed as Promise<never>,
    ]);
  // Warm-ups may end with every request still in flight (seconds each on a loaded
  // machine): their results are not checked.
  await autocannonRaw({ connections: CONNECTIONS, duration: WARMUP, ...baselineOptions });
  await autocannonRaw({ connections: CONNECTIONS, duration: WARMUP, ...upload });
  const baseline = await measure("bare fastify NDJSON parse", baselineOptions, DURATION);
  const cpuBefore = serviceCpu(bench.services);
  const intake = await measure("POST uploads", upload, DURATION);
  const cpuAfter = serviceCpu(bench.services);
  const rate = (r: { "2xx": number; duration: number }) => (r["2xx"] * BATCH) / r.duration;
  printTable(
    ["target", "requests", "records/s", "latency mean ms", "p99 ms"],
    [
      [
        "bare fastify: JSON.parse each line (baseline)",
        fmt(baseline["2xx"]),
        fmt(rate(baseline)),
        fmt(baseline.latency.average, 1),
        fmt(baseline.latency.p99, 1),
      ],
      [
        "intake POST /v1/datasets/synthetic/uploads",
        fmt(intake["2xx"]),
        fmt(rate(intake)),
        fmt(intake.latency.average, 1),
        fmt(intake.latency.p99, 1),
      ],
    ],
  );
  // Where the CPU went while intake was measured: seconds per 1,000 records taken,
  // per service process (the pseudonymiser and linker work through them meanwhile).
  const taken = intake["2xx"] * BATCH;
  console.log(
    `CPU per 1,000 records accepted, ${DURATION} s under load: ${Object.keys(cpuAfter)
      .map((service) => {
        const used = (cpuAfter as Record<string, number>)[service] ?? Number.NaN;
        const was = (cpuBefore as Record<string, number>)[service] ?? Number.NaN;
        return `${service} ${(((used - was) * 1000) / taken).toFixed(3)} s`;
      })
      .join(", ")}`,
  );
  console.log(
    `RESULT intake-http: ${fmt(rate(intake))} records/s in NDJSON batches of ${fmt(BATCH)} vs bare parse ${fmt(rate(baseline))} records/s — ratio ${(rate(intake) / rate(baseline)).toFixed(3)} (goal 100 000 records/s); load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
} finally {
  await bench?.services.stop();
  await bare.close();
}
