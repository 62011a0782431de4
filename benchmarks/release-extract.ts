/**
 * bench:release-extract — an extract for N persons (default 1,000,000) across three
 * datasets with disclosure control, against a plain COPY-out of the same rows.
 *
 * Input: the database kruispunt_bench_release_N (its own, one per N; created and filled
 * once, reused while it holds N persons) gets N linked persons generated inside PostgreSQL with
 * generate_series (INSERT … SELECT, no intake path): for person i, cluster
 * sha256("p" ‖ i), a record in alpha/persons (date_of_birth YYYYMMDD over 1930–1999,
 * state of 8), beta/persons (4-digit postcode) and gamma/persons (sex of 2).
 *
 * Paths, each in a fresh child process so peak RSS is its own (ru_maxrss):
 * - extract: buildExtract as the release service runs it (one cursor read, k=10
 *   over year of birth × state × postcode region × sex, project pseudonyms, members
 *   stored with COPY in a rolled-back transaction, CSV + Parquet + codebook encrypted);
 * - baseline: `psql \copy (SELECT cluster_id, dataset, variables …) TO file CSV` of the
 *   same 3N records, no disclosure control, no encryption.
 * Each child also reports its CPU time (user + system, ru_utime + ru_stime), which a
 * loaded machine inflates far less than wall time. Prints a table and a RESULT line;
 * asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cryptoReady, generateMemberKeyPair } from "@kruispunt/crypto";
import { buildExtract, type ProjectSpec, storeExtractMembers } from "@kruispunt/release";
import { createPool, ensureDatabase, inTransaction, migrate } from "@kruispunt/store";

const N = Number(process.env.BENCH_N ?? 1_000_000);
/** One database per size, so a 100k profiling run does not regenerate the 1M one. */
const DB = `kruispunt_bench_release_${N}`;
const URL = `postgres://postgres@127.0.0.1:5432/${DB}`;

const spec = (publicKey: string): ProjectSpec => ({
  title: "Benchmark extract",
  purpose: "Measure the extract builder",
  legalBasis: "benchmark",
  variables: [
    {
      dataset: "alpha/persons",
      name: "date_of_birth",
      as: "year_of_birth",
      hierarchy: "yearOfBirth",
    },
    { dataset: "alpha/persons", name: "state", as: "state", hierarchy: "categorical" },
    {
      dataset: "beta/persons",
      name: "postcode",
      as: "postcode_region",
      hierarchy: "postcodeRegion",
    },
    { dataset: "gamma/persons", name: "sex", as: "sex", hierarchy: "categorical" },
  ],
  cohort: { allOf: ["alpha/persons", "beta/persons", "gamma/persons"] },
  quasiIdentifiers: ["year_of_birth", "state", "postcode_region", "sex"],
  k: 10,
  maxSuppressedShare: 0.05,
  expiresAt: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
  members: [{ name: "researcher-bench", publicKey }],
});

/** Fills the database with N persons unless it already holds exactly N persons and 3N records. */
async function prepare(): Promise<void> {
  await ensureDatabase(URL);
  await migrate(URL);
  const pool = createPool(URL, 1);
  try {
    const { rows } = await pool.query<{ n: number; records: number }>(
      "SELECT count(DISTINCT cluster_id)::int AS n, count(*)::int AS records FROM release.records",
    );
    if (rows[0]?.n === N && rows[0]?.records === 3 * N) return;
    const started = Date.now();
    await pool.query("TRUNCATE release.records");
    const person = `encode(sha256(('p' || i)::bytea), 'hex')`;
    const insert = (dataset: string, variables: string) =>
      pool.query(
        `INSERT INTO release.records (agency, dataset, source_record_id, version, cluster_id, variables, withdrawn)
         SELECT '${dataset.split("/")[0]}', '${dataset.split("/")[1]}', 'r' || i, 1, ${person}, ${variables}, false
         FROM generate_series(1, $1::bigint) AS i`,
        [N],
      );
    await insert(
      "alpha/persons",
      `jsonb_build_object('date_of_birth', to_char(date '1930-01-01' + ((i * 7919) % 25550)::int, 'YYYYMMDD'),
                          'state', (ARRAY['nsw','vic','qld','wa','sa','tas','act','nt'])[(1 + (i * 31) % 8)::int])`,
    );
    await insert(
      "beta/persons",
      `jsonb_build_object('postcode', lpad(((i * 104729) % 9000 + 1000)::text, 4, '0'))`,
    );
    await insert(
      "gamma/persons",
      `jsonb_build_object('sex', (ARRAY['f','m'])[(1 + (i * 13) % 2)::int])`,
    );
    await pool.query("VACUUM ANALYZE release.records");
    console.log(
      `generated ${N} persons × 3 datasets in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await pool.end();
  }
}

/** Child: one path, prints {ms, maxRssMiB, ...} as JSON. */
async function runPath(path: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "krp-bench-release-"));
  const started = performance.now();
  let extra: Record<string, unknown> = {};
  if (path === "baseline") {
    const file = join(dir, "copy.csv");
    const r = spawnSync("psql", [
      URL,
      "-c",
      `\\copy (SELECT cluster_id, agency || '/' || dataset, variables FROM release.records WHERE NOT withdrawn) TO '${file}' CSV`,
    ]);
    if (r.status !== 0) throw new Error(String(r.stderr));
    extra = { bytes: statSync(file).size };
  } else {
    await cryptoReady();
    const pool = createPool(URL, 3);
    const s = spec(generateMemberKeyPair().publicKey);
    const projectId = "p-000000bench0";
    const extractId = randomUUID();
    try {
      // Rolled back at the end, as a refused release would be: the database stays as generated.
      await inTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO release.projects (project_id, title, spec, researcher, status, expires_at)
           VALUES ($1, 'bench', $2, 'researcher-bench', 'approved', now() + interval '1 day')`,
          [projectId, s],
        );
        await client.query(
          "INSERT INTO release.extracts (extract_id, project_id, rows, suppressed, files, report) VALUES ($1, $2, 0, 0, '[]', '{}')",
          [extractId, projectId],
        );
        const result = await buildExtract({
          pool,
          projectId,
          extractId,
          spec: s,
          variables: s.variables,
          layout: "person",
          decisionReference: "BENCH",
          releaseKey: new Uint8Array(32).fill(7),
          releaseKeyVersion: 1,
          dir: join(dir, "extract"),
          storeMembers: (members) => storeExtractMembers(client, extractId, members),
        });
        extra = {
          persons: result.persons,
          released: result.released,
          suppressed: result.suppressed,
          levels: result.report.levels,
          timingsMs: Object.fromEntries(
            Object.entries(result.timings).map(([k, v]) => [k, Math.round(v)]),
          ),
          bytes: Object.fromEntries(result.files.map((f) => [f.name, f.encryptedBytes])),
        };
        throw new Rollback();
      }).catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    } finally {
      await pool.end();
    }
  }
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  const usage = process.resourceUsage();
  const maxRssMiB = usage.maxRSS / 1024;
  const cpuS = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  console.log(JSON.stringify({ path, ms, maxRssMiB, cpuS, ...extra }));
}
class Rollback extends Error {}

function child(
  path: string,
): { ms: number; maxRssMiB: number; cpuS: number } & Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, process.argv[1] as string, "--path", path],
    {
      encoding: "utf8",
      env: process.env,
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) throw new Error(`${path} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--path");
  if (at > 0) return runPath(process.argv[at + 1] as string);
  await prepare();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const results: {
    extract: number[];
    baseline: number[];
    rss: number[];
    baseRss: number[];
    cpu: number[];
  } = { extract: [], baseline: [], rss: [], baseRss: [], cpu: [] };
  let last: Record<string, unknown> = {};
  for (let r = 0; r < rounds; r++) {
    const b = child("baseline");
    const e = child("extract");
    results.baseline.push(b.ms / 1000);
    results.extract.push(e.ms / 1000);
    results.baseRss.push(b.maxRssMiB);
    results.rss.push(e.maxRssMiB);
    results.cpu.push(e.cpuS);
    last = e;
    console.log(
      `round ${r + 1}: extract ${(e.ms / 1000).toFixed(1)} s (CPU ${e.cpuS.toFixed(1)} s, peak RSS ${e.maxRssMiB.toFixed(0)} MiB), COPY-out ${(b.ms / 1000).toFixed(1)} s`,
    );
  }
  if (rounds === 0) return;
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const ext = median(results.extract);
  const base = median(results.baseline);
  const rss = median(results.rss);
  console.log(`\npath                                      wall s (median)  CPU s  peak RSS MiB`);
  console.log(
    `extract with disclosure control + crypto  ${ext.toFixed(1).padStart(15)}  ${median(results.cpu).toFixed(1).padStart(5)}  ${rss.toFixed(0).padStart(12)}`,
  );
  console.log(
    `baseline: psql \\copy of the same rows     ${base.toFixed(1).padStart(15)}      -  ${median(results.baseRss).toFixed(0).padStart(12)} (node parent; psql not counted)`,
  );
  console.log(`last extract: ${JSON.stringify(last)}`);
  const goal = N === 1_000_000 ? ` (goal ≤ 30 s at 1M: ${ext <= 30 ? "met" : "not met"})` : "";
  console.log(
    `RESULT release-extract: ${N} persons × 3 datasets in ${ext.toFixed(1)} s, peak RSS ${rss.toFixed(0)} MiB; COPY-out ${base.toFixed(1)} s — ratio ${(ext / base).toFixed(1)}${goal}`,
  );
}

await main();
