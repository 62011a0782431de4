/**
 * bench:upload-to-linked — issue 4's second figure: BENCH_RECORDS (default 100,000)
 * synthetic records (packages/synthetic, seed 1: valid INSZ numbers, names, dates,
 * addresses, content variables) from the start of their upload until every one is
 * linked in PostgreSQL (a `linker.records` row with a cluster), with the wall time,
 * records per second, and each service process's peak RSS (Linux VmHWM) and CPU time.
 *
 * The records are two agencies' NDJSON files of BENCH_RECORDS / 2 each (agency b holds
 * typo-laden copies of half of a's persons, so exact linkage on the INSZ pseudonym
 * forms pairs), written to out/bench-upload-to-linked/ before the clock starts and
 * streamed at once, one upload per agency, each a single request as an agency would
 * send a large file. The services run as in the e2e harness (bench-services.ts:
 * database kruispunt_bench_linked, ports + 52 000).
 *
 * Baseline, in the same run and database: the same records read from the same files
 * and written into one plain table by a bare loader (JSON.parse per line, INSERT …
 * SELECT FROM unnest of 5,000 rows a statement, no validation, sealing, Kafka,
 * pseudonymisation or linkage) — what "in PostgreSQL" costs at the least on this machine.
 *
 * Linkage quality: the a–b pairs sharing a cluster, against the generator's truth file
 * (out/bench-upload-to-linked/truth-N.csv): tp, fp, fn, precision, recall — with the
 * parameters shipped from FEBRL 4, and again after a reviewer had m and u estimated by EM
 * on the store's own candidate pairs (POST /v1/linkage/parameters/estimate, timed apart
 * from the upload; BENCH_ESTIMATE=0 skips it).
 *
 * BENCH_WARMUP (default 0) records are uploaded first, outside the clock — the first
 * BENCH_WARMUP / 2 lines of each agency's file — and once they are linked a reviewer has
 * m and u estimated on them, as an operator does once the first data are in; then the
 * clock runs for the other BENCH_RECORDS − BENCH_WARMUP (the figure's N) on a store
 * whose parameters fit the population. The bare load then takes those same rows.
 */

import { once } from "node:events";
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
} from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { KruispuntClient, runEstimate } from "@kruispunt/cli";
import { REPO_ROOT, SERVICE_NAMES, type ServiceName } from "@kruispunt/service-kit";
import { createPool, type Pool } from "@kruispunt/store";
import { SYNTHETIC_CONTRACT, writeSynthetic } from "@kruispunt/synthetic";
import { peakRssMiB, serviceCpu, startBenchServices } from "./bench-services";
import { envInt, fmt, printTable } from "./bench-util";

const RECORDS = envInt("BENCH_RECORDS", 100_000);
const PER_AGENCY = Math.floor(RECORDS / 2);
const WARMUP_PER_AGENCY = Math.floor(envInt("BENCH_WARMUP", 0) / 2);
const WARMUP = 2 * WARMUP_PER_AGENCY;
/** The records timed: all but the warm-up. */
const TIMED = RECORDS - WARMUP;
const POLL_MS = 2_000;
const dir = join(REPO_ROOT, "out", "bench-upload-to-linked");
const files = { a: join(dir, `a-${PER_AGENCY}.ndjson`), b: join(dir, `b-${PER_AGENCY}.ndjson`) };
/** The generator's truth: `a_record_id,b_record_id` of every copy. */
const truthPath = join(dir, `truth-${PER_AGENCY}.csv`);

/** The first `lines` lines of each agency's file (the warm-up) and the rest (timed). */
const parts = {
  warm: {
    a: join(dir, `a-${PER_AGENCY}-warm-${WARMUP_PER_AGENCY}.ndjson`),
    b: join(dir, `b-${PER_AGENCY}-warm-${WARMUP_PER_AGENCY}.ndjson`),
  },
  rest: {
    a: join(dir, `a-${PER_AGENCY}-after-${WARMUP_PER_AGENCY}.ndjson`),
    b: join(dir, `b-${PER_AGENCY}-after-${WARMUP_PER_AGENCY}.ndjson`),
  },
};

/** Splits each agency's file after WARMUP_PER_AGENCY lines into parts.warm and parts.rest. */
async function splitFiles(): Promise<void> {
  for (const agency of ["a", "b"] as const) {
    const warm = createWriteStream(parts.warm[agency]);
    const rest = createWriteStream(parts.rest[agency]);
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(files[agency]) })) {
      if (line === "") continue;
      const out = n++ < WARMUP_PER_AGENCY ? warm : rest;
      if (!out.write(`${line}\n`)) await once(out, "drain");
    }
    await Promise.all([warm, rest].map((w) => new Promise((r) => w.end(r))));
  }
}

/** The files, written unless they already hold PER_AGENCY records each (same seed, same bytes). */
async function prepareFiles(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  try {
    if (statSync(files.a).size > 0 && statSync(files.b).size > 0 && statSync(truthPath).size > 0)
      return;
  } catch {
    // not there yet
  }
  const started = Date.now();
  // Written under .partial names and renamed when complete: a run stopped while writing
  // must not leave files that a later run takes for whole ones.
  const partial = (path: string) => `${path}.partial`;
  const counts = await writeSynthetic({
    count: PER_AGENCY,
    seed: 1,
    agencies: 2,
    format: "ndjson",
    paths: { a: partial(files.a), b: partial(files.b) },
    truthPath: partial(truthPath),
  });
  for (const path of [files.a, files.b, truthPath]) renameSync(partial(path), path);
  console.log(
    `wrote ${fmt(counts.a)} + ${fmt(counts.b)} records (${fmt(counts.pairs)} copies) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

/**
 * Pairs of agency a's and b's records in one cluster, against the generator's truth file
 * (every copy of an a person in b): exact links find the copies (same INSZ), so a
 * false positive is a probabilistic link between two different persons.
 */
async function linkageQuality(pool: Pool) {
  const truth = new Set(
    readFileSync(truthPath, "utf8")
      .split("\n")
      .slice(1)
      .filter((l) => l !== ""),
  );
  const { rows } = await pool.query<{ pair: string }>(
    `SELECT a.source_record_id || ',' || b.source_record_id AS pair
       FROM linker.records a JOIN linker.records b ON a.cluster_id = b.cluster_id
      WHERE a.agency = 'a' AND b.agency = 'b' AND NOT a.withdrawn AND NOT b.withdrawn`,
  );
  const tp = rows.filter((r) => truth.has(r.pair)).length;
  const fp = rows.length - tp;
  return {
    truePairs: truth.size,
    tp,
    fp,
    fn: truth.size - tp,
    precision: rows.length ? tp / rows.length : 1,
    recall: truth.size ? tp / truth.size : 1,
  };
}

/** Streams `path` to intake as agency `agency`; resolves with the upload verdict counts. */
async function upload(
  intakeUrl: string,
  token: string,
  path: string,
): Promise<{ submitted: number; accepted: number; refused: number }> {
  const response = await fetch(`${intakeUrl}/v1/datasets/synthetic/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
    body: Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 16 })),
    duplex: "half",
  } as RequestInit);
  const text = await response.text();
  if (!response.ok) throw new Error(`upload ${path} → ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The bare loader: every line of the files into one table, 5,000 rows a statement. */
async function bareLoad(pool: Pool, paths: { a: string; b: string }): Promise<number> {
  await pool.query("DROP TABLE IF EXISTS public.bench_bare_records");
  await pool.query(
    `CREATE TABLE public.bench_bare_records (agency text, record_id text, insz text,
       given_name text, surname text, date_of_birth text, postcode text, fields jsonb,
       PRIMARY KEY (agency, record_id))`,
  );
  const started = process.hrtime.bigint();
  for (const [agency, path] of Object.entries(paths)) {
    let rows: Record<string, string>[] = [];
    const flush = async () => {
      if (rows.length === 0) return;
      const column = (name: string) => rows.map((r) => r[name] ?? null);
      await pool.query(
        `INSERT INTO public.bench_bare_records
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])`,
        [
          agency,
          column("record_id"),
          column("insz"),
          column("given_name"),
          column("surname"),
          column("date_of_birth"),
          column("postcode"),
          rows.map((r) => JSON.stringify(r)),
        ],
      );
      rows = [];
    };
    for await (const line of createInterface({ input: createReadStream(path) })) {
      if (line === "") continue;
      rows.push(JSON.parse(line));
      if (rows.length === 5_000) await flush();
    }
    await flush();
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

await prepareFiles();
const bench = await startBenchServices("bench_linked", 52_000);
const pool = createPool(bench.databaseUrl, 2);
try {
  const tokens = { a: bench.token("a", "agency"), b: bench.token("b", "agency") };
  for (const token of Object.values(tokens)) {
    const put = await fetch(`${bench.urls.intake}/v1/datasets/synthetic`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(SYNTHETIC_CONTRACT),
    });
    if (!put.ok) throw new Error(`PUT contract → ${put.status}: ${await put.text()}`);
  }
  const timedFiles = WARMUP > 0 ? parts.rest : files;
  if (WARMUP > 0) {
    await splitFiles();
    const warmStarted = Date.now();
    await Promise.all([
      upload(bench.urls.intake, tokens.a, parts.warm.a),
      upload(bench.urls.intake, tokens.b, parts.warm.b),
    ]);
    await waitLinked(pool, WARMUP, () => (Date.now() - warmStarted) / 1000, true);
    const linkedIn = (Date.now() - warmStarted) / 1000;
    const estimated = await estimateAndRescore(pool);
    console.log(
      `warm-up: ${fmt(WARMUP)} records uploaded and linked in ${linkedIn.toFixed(1)} s, then estimated (${estimated}); the clock starts now`,
    );
  }
  console.log(
    `bench:upload-to-linked — ${fmt(TIMED)} records timed (two agencies' NDJSON files of ${fmt(PER_AGENCY)}${WARMUP > 0 ? `, after a warm-up of their first ${fmt(WARMUP_PER_AGENCY)} each` : ""}), node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const cpuBefore = serviceCpu(bench.services);
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  let uploadedAt = Number.NaN;
  const uploads = Promise.all([
    upload(bench.urls.intake, tokens.a, timedFiles.a),
    upload(bench.urls.intake, tokens.b, timedFiles.b),
  ]).then((verdicts) => {
    uploadedAt = elapsed();
    return verdicts;
  });
  let failed: unknown = null;
  uploads.catch((error: unknown) => {
    failed = error;
  });
  await waitLinked(pool, RECORDS, elapsed, false, () => failed);
  const wall = elapsed();
  const verdicts = await uploads;
  const cpuAfter = serviceCpu(bench.services);
  const accepted = verdicts.reduce((n, v) => n + v.accepted, 0);
  if (accepted !== TIMED) throw new Error(`accepted ${accepted} of ${TIMED}`);
  const { rows: clusters } = await pool.query<{ clusters: number; pairs: number }>(
    `SELECT count(*)::int AS clusters, count(*) FILTER (WHERE n > 1)::int AS pairs
       FROM (SELECT cluster_id, count(*) AS n FROM linker.records GROUP BY cluster_id) c`,
  );
  const quality = await linkageQuality(pool);
  const bare = await bareLoad(pool, WARMUP > 0 ? parts.rest : files);
  printTable(
    ["process", "peak RSS MiB", "CPU s", "CPU ms / 1,000 records"],
    SERVICE_NAMES.map((s: ServiceName) => {
      const cpu = cpuAfter[s] - cpuBefore[s];
      return [
        s,
        fmt(peakRssMiB(bench.services.processes.get(s)?.pid)),
        cpu.toFixed(1),
        fmt((cpu * 1_000_000) / TIMED),
      ];
    }),
  );
  console.log(
    `uploads answered after ${uploadedAt.toFixed(1)} s (${fmt(TIMED / uploadedAt)} records/s); ` +
      `${fmt(clusters[0]?.clusters ?? 0)} clusters, ${fmt(clusters[0]?.pairs ?? 0)} with more than one record`,
  );
  console.log(
    `linkage vs the generator's truth (${fmt(quality.truePairs)} copies): tp ${fmt(quality.tp)}, fp ${fmt(quality.fp)}, fn ${fmt(quality.fn)}; precision ${quality.precision.toFixed(4)}, recall ${quality.recall.toFixed(4)}`,
  );
  console.log(
    `RESULT upload-to-linked: ${fmt(TIMED)} records uploaded → linked in ${wall.toFixed(1)} s (${fmt(TIMED / wall)} records/s)${WARMUP > 0 ? ` onto ${fmt(WARMUP)} warm-up records with estimated parameters` : ""} vs bare PostgreSQL load of the same rows ${bare.toFixed(1)} s — ratio ${(wall / bare).toFixed(1)}× (goal 1M in 20 s); load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  if (process.env.BENCH_ESTIMATE !== "0")
    console.log(`RESULT estimate: ${await estimateAndRescore(pool)}`);
} finally {
  await pool.end();
  await bench.services.stop();
}

/**
 * Polls every POLL_MS until `target` records are linked, printing progress (accepted by
 * intake, pseudonymised — a linker row —, linked — a cluster —) unless `quiet`; throws
 * after two minutes without progress or when `failed()` returns an error.
 */
async function waitLinked(
  pool: Pool,
  target: number,
  elapsed: () => number,
  quiet: boolean,
  failed: () => unknown = () => null,
): Promise<void> {
  let last = { at: 0, intake: 0, linker: 0, linked: 0 };
  let progressedAt = 0;
  for (;;) {
    await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), bench.crashed]);
    const error = failed();
    if (error) throw error;
    const { rows } = await pool.query<{ intake: number; linker: number; linked: number }>(
      `SELECT (SELECT count(*) FROM intake.records)::int AS intake,
              (SELECT count(*) FROM linker.records)::int AS linker,
              (SELECT count(*) FROM linker.records WHERE cluster_id IS NOT NULL)::int AS linked`,
    );
    const now = {
      at: elapsed(),
      ...(rows[0] as { intake: number; linker: number; linked: number }),
    };
    if (!quiet)
      console.log(
        `  ${now.at.toFixed(0)} s: intake ${fmt(now.intake)}, linker ${fmt(now.linker)}, linked ${fmt(now.linked)}`,
      );
    if (now.linked >= target) return;
    if (now.intake !== last.intake || now.linked !== last.linked) progressedAt = now.at;
    if (now.at - progressedAt > 120) throw new Error("no progress for 2 minutes");
    last = now;
  }
}

/**
 * A reviewer's EM estimate on the store's candidate pairs and relink (timed), then the
 * truth again; returns the line to print.
 */
async function estimateAndRescore(pool: Pool): Promise<string> {
  const client = new KruispuntClient({ keysDir: bench.keysDir, urls: bench.urls });
  const started = performance.now();
  const status = await runEstimate(
    client,
    { sub: "reviewer-bench", role: "reviewer" },
    POLL_MS,
    3_600_000,
  );
  const seconds = (performance.now() - started) / 1000;
  const quality = await linkageQuality(pool);
  return (
    `m and u by EM on the store's candidate pairs, ${status.status} in ${seconds.toFixed(1)} s ${JSON.stringify(status.result ?? status.reason)}; ` +
    `then tp ${fmt(quality.tp)}, fp ${fmt(quality.fp)}, fn ${fmt(quality.fn)}; precision ${quality.precision.toFixed(4)}, recall ${quality.recall.toFixed(4)}`
  );
}
