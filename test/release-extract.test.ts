/**
 * buildExtract over real PostgreSQL at a size where disclosure control suppresses
 * (issue 6): 2,000 linked persons (plus 100 outside the cohort) generated in SQL, of
 * whom exactly 7 fall in classes of one person. Checks the exact counts of released and
 * suppressed persons, that the committed members (release.extract_members, one
 * partition per extract) are exactly the released persons under their project
 * pseudonyms, that no class in the decrypted CSV is below k, and that the codebook's
 * report and counts equal the files. A second extract of a project that tolerates less
 * suppression generalises instead, and then every person is a member.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cryptoReady,
  deriveProjectKey,
  FileDecryptor,
  generateMemberKeyPair,
  type MemberKeyPair,
  openFileKey,
  projectPseudonym,
} from "@kruispunt/crypto";
import {
  buildExtract,
  type ExtractResult,
  type ProjectSpec,
  storeExtractMembers,
} from "@kruispunt/release";
import { createPool, ensureDatabase, inTransaction, migrate, type Pool } from "@kruispunt/store";
import { parse } from "csv-parse/sync";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slotted } from "./harness";

const NAME = `kruispunt_${slotted("e2e_release_extract")}`;
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${NAME}`;
const PERSONS = 2_000;
/** Persons 1–7 have sex "x": each alone in their (state, sex) class. */
const LONE = 7;
const STATES = ["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"];
const releaseKey = new Uint8Array(32).fill(9);

let pool: Pool;
let dir: string;
let member: MemberKeyPair;
/** Cluster id of person i (1-based): SHA-256 of "c" + i in hex, as the SQL below makes it. */
const clusterOf = (i: number) => createHash("sha256").update(`c${i}`).digest("hex");

beforeAll(async () => {
  await cryptoReady();
  member = generateMemberKeyPair();
  dir = mkdtempSync(join(tmpdir(), "krp-release-extract-"));
  const admin = createPool("postgres://postgres@127.0.0.1:5432/postgres", 1);
  await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL);
  pool = createPool(DATABASE_URL, 3);
  const insert = (dataset: string, to: number, variables: string) =>
    pool.query(
      `INSERT INTO release.records (agency, dataset, source_record_id, version, cluster_id, variables, withdrawn)
       SELECT $1, $2, 'r' || i, 1, encode(sha256(('c' || i)::bytea), 'hex'), ${variables}, false
       FROM generate_series(1, $3::int) AS i, (SELECT $4::text[] AS states) AS s`,
      [...dataset.split("/"), to, STATES],
    );
  // Person i: state STATES[i mod 8], sex "x" for i ≤ LONE, else f or m by ⌊i / 8⌋ mod 2; persons
  // PERSONS+1 … PERSONS+100 are known to alpha only, so outside the cohort.
  await insert(
    "alpha/persons",
    PERSONS + 100,
    `jsonb_build_object('state', states[1 + i % 8],
       'sex', CASE WHEN i <= ${LONE} THEN 'x' WHEN (i / 8) % 2 = 0 THEN 'f' ELSE 'm' END)`,
  );
  await insert("beta/persons", PERSONS, `jsonb_build_object('postcode', (1000 + i)::text)`);
}, 120_000);

afterAll(async () => {
  await pool?.end();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (maxSuppressedShare: number): ProjectSpec => ({
  title: "Suppression",
  purpose: "Test suppression",
  legalBasis: "test",
  variables: [
    { dataset: "alpha/persons", name: "state", as: "state", hierarchy: "categorical" },
    { dataset: "alpha/persons", name: "sex", as: "sex", hierarchy: "categorical" },
    {
      dataset: "beta/persons",
      name: "postcode",
      as: "postcode_region",
      hierarchy: "postcodeRegion",
    },
  ],
  cohort: { allOf: ["alpha/persons", "beta/persons"] },
  quasiIdentifiers: ["state", "sex"],
  k: 10,
  maxSuppressedShare,
  expiresAt: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
  members: [{ name: "researcher-x", publicKey: member.publicKey }],
});

/**
 * Builds and commits an extract of a new approved project; returns it and its ids. A
 * lock wait of more than 10 s fails the build instead of waiting.
 */
async function extract(projectId: string, s: ProjectSpec) {
  const extractId = randomUUID();
  const out = join(dir, extractId);
  const result = await inTransaction(pool, async (client) => {
    await client.query("SET LOCAL lock_timeout = '10s'");
    await client.query(
      `INSERT INTO release.projects (project_id, title, spec, researcher, status, expires_at)
       VALUES ($1, 'test', $2, 'researcher-x', 'approved', now() + interval '1 day')`,
      [projectId, s],
    );
    await client.query(
      "INSERT INTO release.extracts (extract_id, project_id, rows, suppressed, files, report) VALUES ($1, $2, 0, 0, '[]', '{}')",
      [extractId, projectId],
    );
    return buildExtract({
      pool,
      projectId,
      extractId,
      spec: s,
      variables: s.variables,
      layout: "person",
      decisionReference: "REF/test",
      releaseKey,
      releaseKeyVersion: 1,
      dir: out,
      storeMembers: (members) => storeExtractMembers(client, extractId, members),
    });
  });
  return { result, extractId, out };
}

function open(result: ExtractResult, out: string, name: string): Buffer {
  const key = openFileKey(member, result.sealedKeys["researcher-x"] as string);
  const d = new FileDecryptor(key);
  return Buffer.concat([...d.push(readFileSync(join(out, `${name}.enc`))), ...d.final()]);
}

const members = async (extractId: string) =>
  (
    await pool.query<{ cluster_id: string; project_pseudonym: string }>(
      "SELECT cluster_id, project_pseudonym FROM release.extract_members WHERE extract_id = $1 ORDER BY cluster_id",
      [extractId],
    )
  ).rows;

describe("suppression at k = 10", () => {
  it("releases exactly the persons in classes of at least k; members, files and codebook agree", async () => {
    const projectId = "p-00000000sup1";
    const { result, extractId, out } = await extract(projectId, spec(0.05));
    expect(result.persons).toBe(PERSONS);
    expect(result.suppressed).toBe(LONE);
    expect(result.released).toBe(PERSONS - LONE);
    expect(result.rows).toBe(PERSONS - LONE);
    expect(result.report).toEqual({
      k: 10,
      levels: { state: "value", sex: "value" },
      suppressed: LONE,
      rows: PERSONS,
      released: PERSONS - LONE,
      equivalenceClasses: 16,
      smallestClass: 124,
    });

    // Members: exactly the released persons, under their project pseudonyms.
    const projectKey = deriveProjectKey(releaseKey, projectId);
    const expected = Array.from({ length: PERSONS - LONE }, (_, j) => clusterOf(LONE + 1 + j))
      .sort()
      .map((c) => ({ cluster_id: c, project_pseudonym: projectPseudonym(projectKey, c) }));
    expect(await members(extractId)).toEqual(expected);

    // The CSV: one row per released person, no class below k, none of sex "x".
    const rows = parse(open(result, out, "extract.csv"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(PERSONS - LONE);
    expect(rows.map((r) => r.project_pseudonym).sort()).toEqual(
      expected.map((m) => m.project_pseudonym).sort(),
    );
    const classes = new Map<string, number>();
    for (const r of rows)
      classes.set(`${r.state},${r.sex}`, (classes.get(`${r.state},${r.sex}`) ?? 0) + 1);
    expect(classes.size).toBe(16);
    expect(Math.min(...classes.values())).toBe(124);
    expect(rows.some((r) => r.sex === "x")).toBe(false);
    // Rows in project-pseudonym order.
    const order = rows.map((r) => r.project_pseudonym as string);
    expect(order).toEqual([...order].sort());

    // Parquet holds the same rows.
    const parquet = open(result, out, "extract.parquet");
    const back = await parquetReadObjects({ file: new Uint8Array(parquet).buffer });
    expect(back).toEqual(rows);

    // The codebook's report and counts are the files'.
    const codebook = JSON.parse(open(result, out, "codebook.json").toString("utf8"));
    expect(codebook.disclosureControl.persons).toBe(PERSONS);
    expect(codebook.disclosureControl.report).toEqual(result.report);
    expect(codebook.disclosureControl.report.released).toBe(rows.length);
    expect(
      codebook.fileDscr.map((f: { fileTxt: { dimensns: unknown } }) => f.fileTxt.dimensns),
    ).toEqual([
      { caseQnty: rows.length, varQnty: 4 },
      { caseQnty: rows.length, varQnty: 4 },
    ]);
    expect(codebook.provenance).toEqual([
      { dataset: "alpha/persons", recordsReleased: rows.length, variables: ["state", "sex"] },
      { dataset: "beta/persons", recordsReleased: rows.length, variables: ["postcode"] },
    ]);
  }, 120_000);

  it("a project allowing less suppression generalises sex instead: all 2,000 are members", async () => {
    const projectId = "p-00000000sup2";
    const { result, extractId, out } = await extract(projectId, spec(0.003));
    expect(result.report).toEqual({
      k: 10,
      levels: { state: "value", sex: "*" },
      suppressed: 0,
      rows: PERSONS,
      released: PERSONS,
      equivalenceClasses: 8,
      smallestClass: 250,
    });
    expect(await members(extractId)).toHaveLength(PERSONS);
    const rows = parse(open(result, out, "extract.csv"), { columns: true }) as Record<
      string,
      string
    >[];
    expect(new Set(rows.map((r) => r.sex))).toEqual(new Set(["*"]));
    // A person suppressed in the first extract is a member of this one only.
    const { rows: of } = await pool.query<{ project_id: string }>(
      `SELECT e.project_id FROM release.extract_members m JOIN release.extracts e USING (extract_id)
       WHERE m.cluster_id = $1 ORDER BY 1`,
      [clusterOf(1)],
    );
    expect(of).toEqual([{ project_id: projectId }]);
    const { rows: both } = await pool.query<{ project_id: string }>(
      `SELECT e.project_id FROM release.extract_members m JOIN release.extracts e USING (extract_id)
       WHERE m.cluster_id = $1 ORDER BY 1`,
      [clusterOf(LONE + 1)],
    );
    expect(both).toEqual([{ project_id: "p-00000000sup1" }, { project_id: projectId }]);
  }, 120_000);

  it("a build attaches its members while another build's extract row is uncommitted; an extract with members stays", async () => {
    // Another build in progress: its release.extracts row inserted, not committed.
    const other = await pool.connect();
    try {
      await other.query("BEGIN");
      await other.query(
        `INSERT INTO release.projects (project_id, title, spec, researcher, status, expires_at)
         VALUES ('p-00000000sup4', 'other', '{}', 'researcher-x', 'approved', now() + interval '1 day')`,
      );
      await other.query(
        "INSERT INTO release.extracts (extract_id, project_id, rows, suppressed, files, report) VALUES ($1, 'p-00000000sup4', 0, 0, '[]', '{}')",
        [randomUUID()],
      );
      const { result, extractId } = await extract("p-00000000sup3", spec(0.05));
      expect(result.released).toBe(PERSONS - LONE);
      expect(await members(extractId)).toHaveLength(PERSONS - LONE);
      await other.query("ROLLBACK");
      await expect(
        pool.query("DELETE FROM release.extracts WHERE extract_id = $1", [extractId]),
      ).rejects.toThrow(`extract ${extractId} has members: it cannot be deleted or renamed`);
      await expect(
        pool.query("UPDATE release.extracts SET extract_id = $2 WHERE extract_id = $1", [
          extractId,
          randomUUID(),
        ]),
      ).rejects.toThrow("has members");
    } finally {
      other.release();
    }
  }, 120_000);
});
