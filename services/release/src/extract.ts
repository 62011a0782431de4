/**
 * Builds an extract for an approved project, streaming: the cohort is read from
 * release.records twice through a cursor in one REPEATABLE READ snapshot, so a
 * million persons never sit in memory at once.
 *
 * 1. Count: each person's quasi-identifier values go into a KAnonymityPlanner
 *    (a histogram of level-0 combinations).
 * 2. Plan: the planner picks the generalisation levels (or refuses the release).
 * 3. Release: each person is generalised or suppressed, given their project pseudonym
 *    (which replaces the linkage pseudonym), and spilled to one of 256 bucket files by
 *    the pseudonym's first byte.
 * 4. Write: each bucket is sorted by project pseudonym and appended to the CSV and
 *    Parquet files, encrypted as they are written (delivery.ts). Rows come out in
 *    project-pseudonym order, never in linkage-pseudonym order, so two projects'
 *    extracts cannot be joined by row position (DESIGN.md invariant 3).
 * Memory: the histogram, one cursor page, 256 bucket buffers of ≤ 64 KiB and one
 * bucket (1/256 of the rows) at a time.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deriveProjectKey, projectPseudonym } from "@kruispunt/crypto";
import { type Cell, KAnonymityPlanner, type KAnonymityReport } from "@kruispunt/disclosure";
import { KrpError } from "@kruispunt/service-kit";
import type { Pool, PoolClient } from "@kruispunt/store";
import Cursor from "pg-cursor";
import { buildCodebook } from "./codebook";
import { CsvSink, type DeliveredFile, EncryptedFile, extractKeyFor, ParquetSink } from "./delivery";
import type { ExtractMember } from "./extract-members";
import { hierarchyFor, type ProjectSpec, type Variable } from "./project";

export interface ExtractOptions {
  pool: Pool;
  projectId: string;
  extractId: string;
  spec: ProjectSpec;
  /** The variables to release (approved and asked for), in the project's order. */
  variables: Variable[];
  /** "person": one row per person; "record": one row per linked record with a person column. */
  layout: "person" | "record";
  decisionReference: string;
  releaseKey: Uint8Array;
  releaseKeyVersion: number;
  /** Directory for the encrypted files (created, mode 0700). */
  dir: string;
  /** Receives the released persons in batches of up to 10,000 (release.extract_members). */
  onMembers: (members: ExtractMember[]) => Promise<void>;
}

export interface ExtractResult {
  /** Persons in the cohort, released and suppressed. */
  persons: number;
  /** Rows written: released persons, or their records in the record layout. */
  rows: number;
  /** Persons released. */
  released: number;
  suppressed: number;
  report: KAnonymityReport;
  files: DeliveredFile[];
  /** Member name → the extract key sealed to their public key (base64url). */
  sealedKeys: Record<string, string>;
  /** Wall time of each step in milliseconds: count + plan, release into buckets, write files. */
  timings: { count: number; release: number; write: number };
}

/** One person of the cohort as read: their cluster and records (dataset, values per variable). */
interface Person {
  clusterId: string;
  records: { ref: string; id: string; values: Cell[] }[];
}

const CURSOR_PAGE = 20_000;
const MEMBER_BATCH = 10_000;
const BUCKETS = 256;
const BUCKET_FLUSH_CHARS = 64 * 1024;
/** Rows per Parquet row group (about 8 MB of strings for a handful of columns). */
const ROW_GROUP = 100_000;

/**
 * The cohort query: every current record of the cohort's and the variables' datasets,
 * ordered by person (one sort, no self-join: whether a person belongs to the cohort is
 * decided while reading, by {@link inCohort}). Columns: cluster_id, ref,
 * source_record_id, then one text value per variable, then the birth-date value for
 * cohort.born (if any).
 */
function cohortQuery(
  spec: ProjectSpec,
  variables: Variable[],
): { text: string; values: unknown[] } {
  const born = spec.cohort.born;
  const datasets = [
    ...new Set([
      ...spec.cohort.allOf,
      ...variables.map((v) => v.dataset),
      ...(born ? [born.dataset] : []),
    ]),
  ];
  const values: unknown[] = [datasets];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const columns = [...variables.map((v) => v.name), ...(born ? [born.name] : [])]
    .map((name) => `, variables->>${p(name)}`)
    .join("");
  return {
    text: `SELECT cluster_id, agency || '/' || dataset AS ref, source_record_id${columns}
       FROM release.records
       WHERE NOT withdrawn AND agency || '/' || dataset = ANY($1)
       ORDER BY cluster_id`,
    values,
  };
}

/**
 * Whether a person read by {@link cohortQuery} is in the cohort: a record in each of
 * cohort.allOf and, with cohort.born, a record of its dataset whose value starts with
 * a year in [from, to] (YYYYMMDD: eight digits). Keeps only the records of the
 * variables' datasets, sorted by (dataset, source record id), so the first record of a
 * dataset is the same on every read.
 */
function inCohort(spec: ProjectSpec, variables: Variable[], person: Person): boolean {
  const refs = new Set(person.records.map((r) => r.ref));
  if (!spec.cohort.allOf.every((d) => refs.has(d))) return false;
  const born = spec.cohort.born;
  if (born) {
    const at = variables.length;
    const ok = person.records.some((r) => {
      const value = r.ref === born.dataset ? r.values[at] : null;
      if (typeof value !== "string" || !/^\d{8}$/.test(value)) return false;
      const year = Number(value.slice(0, 4));
      return year >= born.from && year <= born.to;
    });
    if (!ok) return false;
  }
  const wanted = new Set(variables.map((v) => v.dataset));
  person.records = person.records
    .filter((r) => wanted.has(r.ref))
    .sort((a, b) =>
      a.ref !== b.ref ? (a.ref < b.ref ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  return true;
}

/** Streams persons (consecutive rows of one cluster) through a server-side cursor. */
async function* readPersons(
  client: PoolClient,
  query: { text: string; values: unknown[] },
): AsyncGenerator<Person> {
  const cursor = client.query(new Cursor(query.text, query.values, { rowMode: "array" }));
  let current: Person | null = null;
  try {
    for (;;) {
      const rows = (await cursor.read(CURSOR_PAGE)) as unknown as Cell[][];
      if (rows.length === 0) break;
      for (const [clusterId, ref, id, ...values] of rows) {
        if (current && current.clusterId !== clusterId) {
          yield current;
          current = null;
        }
        current ??= { clusterId: clusterId as string, records: [] };
        current.records.push({ ref: ref as string, id: id as string, values });
      }
    }
    if (current) yield current;
  } finally {
    await cursor.close();
  }
}

/**
 * Reads the cohort, applies disclosure control and writes the encrypted
 * extract.csv, extract.parquet and codebook.json into `dir`. Throws
 * DisclosureRefusedError when k-anonymity would suppress more than the project's
 * allowed share, and KrpError KRP_ERR_UNPROCESSABLE naming `cohort` when no person
 * matches it. Nothing is left in `dir` on a throw.
 */
export async function buildExtract(options: ExtractOptions): Promise<ExtractResult> {
  const { spec, variables, layout } = options;
  const qiSet = new Set(spec.quasiIdentifiers);
  const qiIndex = variables.flatMap((v, i) => (qiSet.has(v.as) ? [i] : []));
  const qis = qiIndex.map((i) => ({
    column: (variables[i] as Variable).as,
    hierarchy: hierarchyFor(variables[i] as Variable),
  }));
  const released0 = variables.map((v) => hierarchyFor(v).levels[0]?.generalise ?? (() => null));
  const query = cohortQuery(spec, variables);
  /** Per variable: the value of the person's first record of its dataset. */
  const personValues = (person: Person): Cell[] =>
    variables.map((v, i) => person.records.find((r) => r.ref === v.dataset)?.values[i] ?? null);

  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const bucketDir = join(options.dir, ".buckets");
  mkdirSync(bucketDir, { mode: 0o700 });
  const client = await options.pool.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // Room to sort the cohort by person in memory rather than in temporary files.
    await client.query("SET LOCAL work_mem = '256MB'");
    const t0 = performance.now();
    // 1. Count.
    const planner = new KAnonymityPlanner(qis, {
      k: spec.k,
      maxSuppressedShare: spec.maxSuppressedShare,
    });
    const recordsPer = new Map<string, number>();
    let persons = 0;
    for await (const person of readPersons(client, query)) {
      if (!inCohort(spec, variables, person)) continue;
      const values = personValues(person);
      planner.add(qiIndex.map((i) => values[i] ?? null));
      persons += 1;
    }
    if (persons === 0)
      throw new KrpError(
        "KRP_ERR_UNPROCESSABLE",
        "cohort: no person matches it (0 persons), so there is nothing to release",
      );
    // 2. Plan (throws DisclosureRefusedError).
    const plan = planner.plan();

    const t1 = performance.now();
    // 3. Release into buckets.
    const projectKey = deriveProjectKey(options.releaseKey, options.projectId);
    const buffers: string[] = Array.from({ length: BUCKETS }, () => "");
    const spill = (b: number) => {
      appendFileSync(join(bucketDir, String(b)), buffers[b] as string, { mode: 0o600 });
      buffers[b] = "";
    };
    let members: ExtractMember[] = [];
    let rows = 0;
    let released = 0;
    for await (const person of readPersons(client, query)) {
      if (!inCohort(spec, variables, person)) continue;
      const values = personValues(person);
      const qiValues = plan.release(qiIndex.map((i) => values[i] ?? null));
      if (qiValues === null) continue;
      released += 1;
      const pp = projectPseudonym(projectKey, person.clusterId);
      members.push({ clusterId: person.clusterId, projectPseudonym: pp });
      if (members.length >= MEMBER_BATCH) {
        await options.onMembers(members);
        members = [];
      }
      const generalise = (i: number, value: Cell): Cell => {
        const q = qiIndex.indexOf(i);
        return q >= 0 ? (qiValues[q] ?? null) : (released0[i] as (v: Cell) => Cell)(value);
      };
      const out: Cell[][] =
        layout === "person"
          ? [[pp, ...values.map((value, i) => generalise(i, value))]]
          : person.records.map((r) => [
              pp,
              r.ref,
              // Quasi-identifiers describe the person: the same released value on each of their records.
              ...variables.map((v, i) =>
                qiIndex.includes(i)
                  ? generalise(i, null)
                  : r.ref === v.dataset
                    ? generalise(i, r.values[i] ?? null)
                    : null,
              ),
            ]);
      for (const r of person.records) recordsPer.set(r.ref, (recordsPer.get(r.ref) ?? 0) + 1);
      const b = Number.parseInt(pp.slice(0, 2), 16);
      for (const row of out) buffers[b] += `${JSON.stringify(row)}\n`;
      rows += out.length;
      if ((buffers[b] as string).length > BUCKET_FLUSH_CHARS) spill(b);
    }
    if (members.length > 0) await options.onMembers(members);
    for (let b = 0; b < BUCKETS; b++) if (buffers[b]) spill(b);
    await client.query("COMMIT");
    const t2 = performance.now();

    // 4. Write the encrypted files, bucket by bucket in pseudonym order.
    const columns = [
      "project_pseudonym",
      ...(layout === "record" ? ["dataset"] : []),
      ...variables.map((v) => v.as),
    ];
    const { key, sealedKeys } = extractKeyFor(spec.members);
    try {
      const csv = new CsvSink(new EncryptedFile(options.dir, "extract.csv", key), columns);
      const parquet = new ParquetSink(
        new EncryptedFile(options.dir, "extract.parquet", key),
        columns,
      );
      let group: Cell[][] = [];
      const missing = variables.map(() => 0);
      for (let b = 0; b < BUCKETS; b++) {
        let text: string;
        try {
          text = readFileSync(join(bucketDir, String(b)), "utf8");
        } catch {
          continue; // no row fell into this bucket
        }
        const bucket = text
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as Cell[]);
        // Stable sort: a person's records keep their (dataset, record id) order.
        bucket.sort((x, y) =>
          (x[0] as string) < (y[0] as string) ? -1 : (x[0] as string) > (y[0] as string) ? 1 : 0,
        );
        const offset = columns.length - variables.length;
        for (const row of bucket)
          for (let i = 0; i < missing.length; i++)
            if (row[offset + i] === null) missing[i] = (missing[i] as number) + 1;
        csv.write(bucket);
        group.push(...bucket);
        if (group.length >= ROW_GROUP) {
          parquet.write(group);
          group = [];
        }
      }
      parquet.write(group);
      const files = [csv.close(), parquet.close()];
      const codebook = buildCodebook({
        extractId: options.extractId,
        projectId: options.projectId,
        spec,
        variables,
        layout,
        columns,
        decisionReference: options.decisionReference,
        releaseKeyVersion: options.releaseKeyVersion,
        persons,
        rows,
        recordsPerDataset: Object.fromEntries(recordsPer),
        missing,
        report: plan.report,
        files,
      });
      const codebookFile = new EncryptedFile(options.dir, "codebook.json", key);
      codebookFile.write(`${JSON.stringify(codebook, null, 2)}\n`);
      files.push(codebookFile.close());
      return {
        persons,
        rows,
        released,
        suppressed: plan.report.suppressed,
        report: plan.report,
        files,
        sealedKeys,
        timings: { count: t1 - t0, release: t2 - t1, write: performance.now() - t2 },
      };
    } finally {
      key.fill(0);
    }
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    rmSync(options.dir, { recursive: true, force: true });
    throw error;
  } finally {
    client.release();
    rmSync(bucketDir, { recursive: true, force: true });
  }
}
