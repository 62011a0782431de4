/**
 * Builds an extract for an approved project, streaming: the cohort is read from
 * release.records once, by one COPY (cohort-read.ts; one statement, one snapshot), so
 * a million persons never sit in memory at once.
 *
 * 1. Read: each person of the cohort gets their project pseudonym (which replaces the
 *    linkage pseudonym) and their quasi-identifier values are counted in a
 *    KAnonymityPlanner (a histogram of level-0 combinations), which names their class
 *    by a small id. The person is spilled with that id in place of the
 *    quasi-identifiers (no date of birth is written out) to one of 256 bucket files by
 *    the pseudonym's first byte; a members file keeps, in read order (linkage-pseudonym
 *    order), each person's class id, cluster id and project pseudonym.
 * 2. Plan: the planner picks the generalisation levels (or refuses the release), which
 *    decides for each class id its released values or its suppression.
 * 3. Write: the released persons of the members file go to `storeMembers` (a COPY on
 *    the caller's connection, so PostgreSQL stores them while this process writes;
 *    suppressed persons are never written to the database), while each bucket is
 *    sorted by project pseudonym, its persons released or suppressed by class, and
 *    appended to the CSV and Parquet files, encrypted as they are written
 *    (delivery.ts). Rows come out in project-pseudonym order, never in
 *    linkage-pseudonym order, so two projects' extracts cannot be joined by row
 *    position (DESIGN.md invariant 3).
 * 4. Members: buildExtract waits for `storeMembers`, so the caller's transaction
 *    commits exactly the released persons.
 * Memory: the histogram, the COPY stream's buffer and one person, 257 spill buffers of
 * ≤ 64 KiB, one member batch and one read step of the members file, one bucket (1/256
 * of the rows) and one Parquet row group.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deriveProjectKey, projectPseudonymizer } from "@kruispunt/crypto";
import {
  type Cell,
  KAnonymityPlanner,
  type KAnonymityReport,
  type ReleasePlan,
} from "@kruispunt/disclosure";
import { KrpError } from "@kruispunt/service-kit";
import { checkoutClient, type Pool } from "@kruispunt/store";
import { buildCodebook } from "./codebook";
import { cohortQuery, cohortTest, type Person } from "./cohort";
import { readPersons } from "./cohort-read";
import { CsvSink, type DeliveredFile, EncryptedFile, extractKeyFor, ParquetSink } from "./delivery";
import type { ExtractMember } from "./extract-members";
import { hierarchyFor, type ProjectSpec, type Variable } from "./project";
import { SpillFiles } from "./spill";

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
  /**
   * Stores the released persons as members (release.extract_members;
   * storeExtractMembers): called once disclosure control has decided, given them in
   * batches of up to 10,000 in linkage-pseudonym order while the files are written,
   * and awaited before buildExtract returns. It must consume the batches until the end
   * or until the iteration throws (the build failed). A rejection fails the build.
   */
  storeMembers: (members: AsyncIterable<ExtractMember[]>) => Promise<unknown>;
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
  /**
   * Wall time of each step in milliseconds: read (cohort query, count, spill), plan,
   * write (files), members (the part of storing the members not hidden behind writing
   * the files).
   */
  timings: { read: number; plan: number; write: number; members: number };
}

const MEMBER_BATCH = 10_000;
const BUCKETS = 256;
/** Rows per Parquet row group (about 8 MB of strings for a handful of columns). */
const ROW_GROUP = 100_000;

/**
 * One person as spilled to a bucket: project pseudonym, class id (planner), the index
 * (into the sorted datasets of the variables) of each of their records, and their rows
 * without the pseudonym, with null where a quasi-identifier goes.
 */
type SpilledPerson = [string, number, number[], Cell[][]];

/**
 * The released members, from the members file (a line is "classId clusterId
 * projectPseudonym", in read order): those whose class the plan releases, in batches of
 * up to MEMBER_BATCH. Throws `stop.cause` at the next batch once it is set, so that a
 * failed build ends the COPY consuming it.
 */
async function* releasedMembers(
  file: SpillFiles,
  plan: ReleasePlan,
  stop: { cause?: unknown },
): AsyncGenerator<ExtractMember[]> {
  let batch: ExtractMember[] = [];
  for (const lines of file.stream(0)) {
    for (const line of lines) {
      const [id, clusterId, projectPseudonym] = line.split(" ") as [string, string, string];
      if (plan.releaseClass(Number(id)) === null) continue;
      batch.push({ clusterId, projectPseudonym });
      if (batch.length >= MEMBER_BATCH) {
        if (stop.cause !== undefined) throw stop.cause;
        yield batch;
        batch = [];
      }
    }
  }
  if (stop.cause !== undefined) throw stop.cause;
  if (batch.length > 0) yield batch;
}

/**
 * Reads the cohort, applies disclosure control and writes the encrypted
 * extract.csv, extract.parquet and codebook.json into `dir`, while `storeMembers`
 * records who was released. Throws DisclosureRefusedError when k-anonymity would
 * suppress more than the project's allowed share, KrpError KRP_ERR_UNPROCESSABLE
 * naming `cohort` when no person matches it, and what `storeMembers` rejected with.
 * Nothing is left in `dir` on a throw.
 */
export async function buildExtract(options: ExtractOptions): Promise<ExtractResult> {
  const { spec, variables, layout } = options;
  const qiSet = new Set(spec.quasiIdentifiers);
  const qiIndex = variables.flatMap((v, i) => (qiSet.has(v.as) ? [i] : []));
  const isQi = variables.map((_, i) => qiIndex.includes(i));
  const qis = qiIndex.map((i) => ({
    column: (variables[i] as Variable).as,
    hierarchy: hierarchyFor(variables[i] as Variable),
  }));
  const released0 = variables.map((v) => hierarchyFor(v).levels[0]?.generalise ?? (() => null));
  const isInCohort = cohortTest(spec, variables);
  /** The datasets a released row can come from (cohortTest keeps only these), sorted. */
  const datasets = [...new Set(variables.map((v) => v.dataset))].sort();
  const datasetIndex = new Map(datasets.map((d, i) => [d, i]));
  /** Per variable: the value of the person's first record of its dataset. */
  const personValues = (person: Person): Cell[] =>
    variables.map((v, i) => person.records.find((r) => r.ref === v.dataset)?.values[i] ?? null);
  /** Where quasi-identifier q goes in a spilled row (after the dataset column, per record). */
  const qiColumn = qiIndex.map((i) => (layout === "record" ? i + 1 : i));
  /** A person's rows as spilled: level-0 values, null where a quasi-identifier goes. */
  const rowsOf = (person: Person, values: Cell[]): Cell[][] =>
    layout === "person"
      ? [values.map((value, i) => (isQi[i] ? null : (released0[i] as (v: Cell) => Cell)(value)))]
      : person.records.map((r) => [
          r.ref,
          ...variables.map((v, i) =>
            !isQi[i] && r.ref === v.dataset
              ? (released0[i] as (v: Cell) => Cell)(r.values[i] ?? null)
              : null,
          ),
        ]);

  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const spillDir = join(options.dir, ".spill");
  mkdirSync(spillDir, { mode: 0o700 });
  const buckets = new SpillFiles(spillDir, "bucket", BUCKETS);
  const membersFile = new SpillFiles(spillDir, "members", 1);
  try {
    const t0 = performance.now();
    // 1. Read: count, pseudonymise, spill.
    const planner = new KAnonymityPlanner(qis, {
      k: spec.k,
      maxSuppressedShare: spec.maxSuppressedShare,
    });
    const projectKey = deriveProjectKey(options.releaseKey, options.projectId);
    const projectPseudonym = projectPseudonymizer(projectKey);
    projectKey.fill(0);
    let persons = 0;
    const client = await checkoutClient(options.pool);
    try {
      await client.query("BEGIN READ ONLY");
      // Room to sort the cohort by person in memory rather than in temporary files.
      await client.query("SET LOCAL work_mem = '256MB'");
      const query = cohortQuery(spec, variables, (v) => client.escapeLiteral(v));
      for await (const person of readPersons(client, query)) {
        if (!isInCohort(person)) continue;
        const values = personValues(person);
        const id = planner.add(qiIndex.map((i) => values[i] ?? null));
        const pp = projectPseudonym(person.clusterId);
        const spilled: SpilledPerson = [
          pp,
          id,
          person.records.map((r) => datasetIndex.get(r.ref) as number),
          rowsOf(person, values),
        ];
        buckets.append(Number.parseInt(pp.slice(0, 2), 16), JSON.stringify(spilled));
        membersFile.append(0, `${id} ${person.clusterId} ${pp}`);
        persons += 1;
      }
      await client.query("COMMIT");
      client.release();
    } catch (error) {
      // The COPY may not have ended: destroy the connection rather than reuse it.
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    if (persons === 0) {
      throw new KrpError(
        "KRP_ERR_UNPROCESSABLE",
        "cohort: no person matches it (0 persons), so there is nothing to release",
      );
    }
    buckets.flush();
    membersFile.flush();
    const t1 = performance.now();
    // 2. Plan (throws DisclosureRefusedError).
    const plan = planner.plan();
    const t2 = performance.now();

    // Members go to storeMembers (the caller's connection) while the files are written.
    const stop: { cause?: unknown } = {};
    const storing: { error?: { cause: unknown } } = {};
    const stored = options.storeMembers(releasedMembers(membersFile, plan, stop)).then(
      () => {},
      (cause: unknown) => {
        storing.error = { cause };
      },
    );

    // 3. Write the encrypted files bucket by bucket in pseudonym order.
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
        ROW_GROUP,
      );
      const missing = variables.map(() => 0);
      const offset = columns.length - variables.length;
      const recordsPer = datasets.map(() => 0);
      let rows = 0;
      let released = 0;
      for (let b = 0; b < BUCKETS; b++) {
        if (storing.error) throw storing.error.cause;
        const people = buckets.lines(b).map((line) => JSON.parse(line) as SpilledPerson);
        // Project pseudonyms are distinct, so this order is total.
        people.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
        const out: Cell[][] = [];
        for (const [pp, id, records, personRows] of people) {
          const qiValues = plan.releaseClass(id);
          if (qiValues === null) continue;
          released += 1;
          for (const d of records) recordsPer[d] = (recordsPer[d] as number) + 1;
          for (const row of personRows) {
            // Quasi-identifiers describe the person: the same released value on each of their records.
            qiColumn.forEach((c, q) => {
              row[c] = qiValues[q] ?? null;
            });
            for (let i = 0; i < missing.length; i++)
              if (row[offset - 1 + i] === null) missing[i] = (missing[i] as number) + 1;
            out.push([pp, ...row]);
          }
        }
        rows += out.length;
        csv.write(out);
        parquet.write(out);
        // Let the members stream to PostgreSQL between buckets.
        await new Promise((resolve) => setImmediate(resolve));
      }
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
        recordsPerDataset: Object.fromEntries(
          datasets.flatMap((d, i): [string, number][] => {
            const n = recordsPer[i] as number;
            return n > 0 ? [[d, n]] : [];
          }),
        ),
        missing,
        report: plan.report,
        files,
      });
      const codebookFile = new EncryptedFile(options.dir, "codebook.json", key);
      codebookFile.write(`${JSON.stringify(codebook, null, 2)}\n`);
      files.push(codebookFile.close());
      const t3 = performance.now();
      // 4. Members.
      await stored;
      if (storing.error) throw storing.error.cause;
      return {
        persons,
        rows,
        released,
        suppressed: plan.report.suppressed,
        report: plan.report,
        files,
        sealedKeys,
        timings: {
          read: t1 - t0,
          plan: t2 - t1,
          write: t3 - t2,
          members: performance.now() - t3,
        },
      };
    } catch (error) {
      // Ends the members' COPY and waits for it, so the caller's connection is free again.
      stop.cause = error;
      await stored;
      throw error;
    } finally {
      key.fill(0);
    }
  } catch (error) {
    rmSync(options.dir, { recursive: true, force: true });
    throw error;
  } finally {
    buckets.discard();
    membersFile.discard();
    rmSync(spillDir, { recursive: true, force: true });
  }
}
