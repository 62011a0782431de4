/**
 * The audit log over real PostgreSQL and Kafka, after the main job on FEBRL 4
 * persons 0–99: the writer role's privileges, the linkage log (release and audit
 * sides, API and CLI), and tampering directly in PostgreSQL, each case undone
 * afterwards from a snapshot so the cases stay independent.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ApiError, febrlSubmission } from "@kruispunt/cli";
import { REPO_ROOT } from "@kruispunt/service-kit";
import {
  createPool,
  ensureDatabase,
  inTransaction,
  migrate,
  type Pool,
  type PoolClient,
} from "@kruispunt/store";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuditEvent, appendToChain, verifyChain } from "../packages/audit-chain/src/index";
import { appendEvents, readEntries } from "../services/audit/src/chain-store";
import { writerPool } from "../services/audit/src/pool";
import { FEBRL_DIR, type Harness, slotted, startHarness } from "./harness";
import { findIdentifiers, submittedIdentifiers } from "./privacy-scan";

const run = promisify(execFile);
const auditor = { sub: "auditor-e2e", role: "auditor" as const };
let h: Harness;
let pool: Pool;

beforeAll(async () => {
  h = await startHarness("e2e_audit_log", 12_000, 100);
  pool = h.pool;
});

afterAll(async () => {
  await h?.stop();
});

interface VerifyAnswer {
  ok: boolean;
  count: number;
  firstBad?: { seq: number; reason: string };
}
const verify = () => h.client.request<VerifyAnswer>("audit", "GET", "/v1/audit/verify", auditor);

/** Runs `pnpm kruispunt …` against the harness's services; never throws on exit codes. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "packages/cli/src/main.ts"), ...args],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          KRUISPUNT_DATA_DIR: h.dataDir,
          KRUISPUNT_RELEASE_URL: h.urls.release,
          KRUISPUNT_AUDIT_URL: h.urls.audit,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs `work` on one connection of the harness pool (superuser), released afterwards. */
async function withClient<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    return await work(c);
  } finally {
    c.release();
  }
}

/** Waits until the audit log holds `n` entries of `action` (events travel over Kafka). */
async function waitForAction(action: string, n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const stats = await h.client.request<{ byAction: Record<string, number> }>(
      "audit",
      "GET",
      "/v1/audit/stats",
      auditor,
    );
    if ((stats.byAction[action] ?? 0) >= n) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} × ${action}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("privileges: the audit service's role can only read and append", () => {
  const asWriter = (sql: string) =>
    withClient(async (c) => {
      await c.query("BEGIN");
      try {
        await c.query("SET LOCAL ROLE kruispunt_audit_writer");
        return await c.query(sql);
      } finally {
        await c.query("ROLLBACK");
      }
    });

  it("refuses UPDATE, DELETE and TRUNCATE with a permission error, before the trigger", async () => {
    for (const [sql, table] of [
      ["UPDATE audit.entries SET actor = 'mallory' WHERE seq = 1", "entries"],
      ["DELETE FROM audit.entries WHERE seq = 1", "entries"],
      ["TRUNCATE audit.entries", "entries"],
      ["UPDATE audit.checkpoints SET hash = 'x'", "checkpoints"],
      ["DELETE FROM audit.checkpoints", "checkpoints"],
    ] as const) {
      await expect(asWriter(sql), sql).rejects.toMatchObject({
        code: "42501",
        message: `permission denied for table ${table}`,
      });
    }
    // The login itself (a superuser here) is stopped by the trigger instead.
    await expect(
      withClient((c) => c.query("UPDATE audit.entries SET actor = 'mallory' WHERE seq = 1")),
    ).rejects.toThrow("audit log is append-only (UPDATE on entries)");
  });

  it("lets the role read and append, and nothing outside the audit schema", async () => {
    const n = await pool.query("SELECT count(*)::int AS n FROM audit.entries");
    expect((await asWriter("SELECT count(*)::int AS n FROM audit.entries")).rows).toEqual(n.rows);
    const inserted = await asWriter(
      `INSERT INTO audit.checkpoints (seq, hash, signed_at, key_version, signature)
       VALUES (999999, 'h', 'now', 1, 's')`,
    );
    expect(inserted.rowCount).toBe(1); // rolled back by asWriter
    await expect(asWriter("SELECT 1 FROM release.records LIMIT 1")).rejects.toMatchObject({
      code: "42501",
      message: "permission denied for schema release",
    });
  });

  it("runs every connection of the service's pool as the role, or not at all", async () => {
    const url = `postgres://postgres@127.0.0.1:5432/kruispunt_${h.name}`;
    const writer = writerPool(url, 2);
    const nobody = writerPool(url, 1, "kruispunt_no_such_role");
    try {
      const roles = await Promise.all([1, 2, 3].map(() => writer.query("SELECT current_user")));
      expect(roles.map((r) => r.rows[0].current_user)).toEqual(
        Array(3).fill("kruispunt_audit_writer"),
      );
      await expect(
        writer.query("UPDATE audit.entries SET actor = 'mallory' WHERE seq = 1"),
      ).rejects.toMatchObject({ code: "42501" });
      await expect(nobody.query("SELECT 1")).rejects.toThrow(
        'role "kruispunt_no_such_role" does not exist',
      );
    } finally {
      await writer.end();
      await nobody.end();
    }
    // The running service reports ready only when its connections have the role.
    const ready = await fetch(`${h.urls.audit}/health/ready`);
    expect(ready.status).toBe(200);
  });
});

describe("linkage log", () => {
  let person: { lp: string; pp: string; extractId: string; refs: string[] };
  let lookups = 0; // release linkage-log requests that reached the lookup (each audited)

  beforeAll(async () => {
    const { rows } = await pool.query(
      `SELECT m.cluster_id, m.project_pseudonym, m.extract_id,
              array_agg(r.agency || '/' || r.dataset || '/' || r.source_record_id ORDER BY r.agency) AS refs
       FROM release.extract_members m JOIN linker.records r ON r.cluster_id = m.cluster_id
       GROUP BY 1, 2, 3
       -- An exact pair (both records under the cluster's own pseudonym): about one cluster
       -- in eleven is joined by PPRL, and which comes first by id depends on the run's keys.
       HAVING count(*) = 2 AND bool_and(r.linkage_pseudonym = m.cluster_id)
       ORDER BY m.cluster_id LIMIT 1`,
    );
    person = {
      lp: rows[0].cluster_id,
      pp: rows[0].project_pseudonym,
      extractId: rows[0].extract_id,
      refs: rows[0].refs,
    };
  });

  it("records exactly the released persons of the extract in release.extract_members", async () => {
    const csv = readFileSync(h.summary.extract.path, "utf8").trim().split("\n").slice(1);
    const released = csv.map((line) => line.split(",")[0]).sort();
    const { rows } = await pool.query(
      "SELECT project_pseudonym FROM release.extract_members ORDER BY project_pseudonym",
    );
    expect(released).toHaveLength(h.summary.extract.rows);
    expect(rows.map((r) => r.project_pseudonym)).toEqual(released);
    expect(person.refs).toHaveLength(2);
  });

  it("release side: the extracts that included a linkage pseudonym", async () => {
    const answer = await h.client.request(
      "release",
      "GET",
      `/v1/linkage-log?linkagePseudonym=${person.lp}`,
      auditor,
    );
    lookups++;
    const project = h.summary.extract.project;
    expect(answer).toEqual({
      linkagePseudonym: person.lp,
      releases: [
        {
          extractId: person.extractId,
          projectId: project,
          decisionReference: `CSSS-IVC/${new Date().getFullYear()}/${project}`,
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          rows: h.summary.extract.rows,
        },
      ],
    });
    const none = await h.client.request(
      "release",
      "GET",
      `/v1/linkage-log?linkagePseudonym=${"0".repeat(64)}`,
      auditor,
    );
    lookups++;
    expect(none).toEqual({ linkagePseudonym: "0".repeat(64), releases: [] });
  });

  it("audit side: the person's link decision and the extract's release entries", async () => {
    const log = await h.client.request<{
      records: string[];
      decisions: { action: string; object: string; counts: unknown; details: unknown }[];
      releases: { action: string; object: string; details: { extractId: string; file?: string } }[];
      truncated: boolean;
    }>(
      "audit",
      "GET",
      `/v1/audit/linkage-log?linkagePseudonym=${person.lp}&extractId=${person.extractId}`,
      auditor,
    );
    expect(log.records).toEqual(person.refs);
    expect(log.decisions.map((d) => [d.action, d.object, d.counts, d.details])).toEqual([
      [
        "link.decision",
        person.refs.join(" "),
        { pairs: 1 },
        { outcome: "link", method: "exact", score: 1, cluster: person.lp },
      ],
    ]);
    expect(log.releases.map((r) => [r.action, r.object, r.details.extractId])).toEqual([
      ["release.extract", `project:${h.summary.extract.project}`, person.extractId],
      ...Array(4).fill([
        "release.download",
        `project:${h.summary.extract.project}`,
        person.extractId,
      ]),
    ]);
    // One fetch by the demo's researcher: the manifest (with their sealed file key), then each file.
    expect(
      log.releases
        .slice(1)
        .map((r) => r.details.file)
        .sort(),
    ).toEqual(["codebook.json", "extract.csv", "extract.parquet", "manifest"]);
    expect(log.truncated).toBe(false);
  });

  it("looks a project pseudonym up for auditors only, and audits the lookup", async () => {
    const path = `/v1/linkage-log?projectId=${h.summary.extract.project}&projectPseudonym=${person.pp}`;
    const forbidden = await h.client
      .request("release", "GET", path, { sub: "researcher-demo", role: "researcher" })
      .catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(ApiError);
    expect((forbidden as ApiError).status).toBe(403);
    const answer = await h.client.request<{ linkagePseudonym: string }>(
      "release",
      "GET",
      path,
      auditor,
    );
    lookups++;
    expect(answer).toMatchObject({
      projectId: h.summary.extract.project,
      projectPseudonym: person.pp,
      linkagePseudonym: person.lp,
    });
    await waitForAction("linkage-log.lookup", lookups);
    const { entries } = await h.client.request<{ entries: { actor: string; details: unknown }[] }>(
      "audit",
      "GET",
      `/v1/audit/entries?action=linkage-log.lookup&object=project:${h.summary.extract.project}`,
      auditor,
    );
    expect(entries.map((e) => [e.actor, e.details])).toEqual([
      ["auditor-e2e", { projectPseudonym: person.pp, found: true, releases: 1 }],
    ]);
  });

  it("answers 400 naming the field, and 404 for a pseudonym the project never released", async () => {
    const status = async (service: "release" | "audit", path: string) => {
      const e = (await h.client
        .request(service, "GET", path, auditor)
        .catch((x: unknown) => x)) as ApiError;
      return [
        e.status,
        (e.body as { code: string; message: string }).code,
        (e.body as { message: string }).message,
      ];
    };
    const project = h.summary.extract.project;
    expect(await status("release", "/v1/linkage-log?linkagePseudonym=ABC")).toEqual([
      400,
      "KRP_ERR_BAD_REQUEST",
      "linkagePseudonym: a linkage pseudonym: 64 lowercase hex characters",
    ]);
    expect(await status("release", `/v1/linkage-log?projectId=${project}`)).toEqual([
      400,
      "KRP_ERR_BAD_REQUEST",
      "projectPseudonym: required with projectId",
    ]);
    expect(await status("release", "/v1/linkage-log")).toEqual([
      400,
      "KRP_ERR_BAD_REQUEST",
      "linkagePseudonym: required, or projectId with projectPseudonym",
    ]);
    expect(
      await status(
        "release",
        `/v1/linkage-log?projectId=${project}&projectPseudonym=${"0".repeat(64)}`,
      ),
    ).toEqual([
      404,
      "KRP_ERR_NOT_FOUND",
      `projectPseudonym: not released in any extract of project ${project}`,
    ]);
    lookups++;
    expect(
      await status("audit", `/v1/audit/linkage-log?linkagePseudonym=${person.lp}&extractId=nope`),
    ).toEqual([400, "KRP_ERR_BAD_REQUEST", "extractId.0: an extract id (UUID)"]);
  });

  it("`kruispunt audit linkage-log` prints the person's timeline without identifiers", async () => {
    const project = h.summary.extract.project;
    const out = await cli(
      "audit",
      "linkage-log",
      "--project",
      project,
      "--project-pseudonym",
      person.pp,
    );
    lookups++;
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split("\n");
    expect(lines.slice(0, 4)).toEqual([
      `linkage pseudonym ${person.lp}`,
      `project ${project}, project pseudonym ${person.pp}`,
      `source records: ${person.refs.join(" ")}`,
      "released in 1 extract(s)",
    ]);
    expect(lines.slice(4).map((l) => l.split("\t")[2])).toEqual([
      "link.decision",
      "release.extract",
      ...Array(4).fill("release.download"),
    ]);
    const ids = submittedIdentifiers([
      febrlSubmission(join(FEBRL_DIR, "dataset4a.csv"), 100).csv,
      febrlSubmission(join(FEBRL_DIR, "dataset4b.csv"), 100).csv,
    ]);
    expect(findIdentifiers(out.stdout, ids, "cli")).toEqual([]);
    await waitForAction("linkage-log.lookup", lookups);
  });
});

describe("tampering directly in PostgreSQL is detected", () => {
  let head: number; // seq of the last entry, signed by a checkpoint
  let s: number; // a link.decision entry in the middle of the chain

  /** Runs `sql` as a superuser with triggers off, as an intruder with database access would. */
  const tamper = (...sql: string[]) =>
    withClient(async (c) => {
      await c.query("SET session_replication_role = replica");
      try {
        for (const q of sql) await c.query(q);
      } finally {
        await c.query("SET session_replication_role = origin");
      }
    });

  beforeAll(async () => {
    await h.client.request("audit", "POST", "/v1/audit/checkpoints", auditor);
    const { rows } = await pool.query(
      `SELECT (SELECT max(seq)::int FROM audit.entries) AS head,
              (SELECT max(seq)::int FROM audit.checkpoints) AS signed,
              (SELECT min(seq)::int + 5 FROM audit.entries WHERE action = 'link.decision') AS s`,
    );
    head = rows[0].head;
    s = rows[0].s;
    expect(rows[0].signed).toBe(head);
    await pool.query(
      "DROP SCHEMA IF EXISTS test_snapshot CASCADE; CREATE SCHEMA test_snapshot; CREATE TABLE test_snapshot.entries AS SELECT * FROM audit.entries",
    );
    expect(await verify()).toMatchObject({ ok: true, count: head });
  });

  afterEach(async () => {
    await tamper(
      "DELETE FROM audit.entries",
      "INSERT INTO audit.entries SELECT * FROM test_snapshot.entries",
    );
    expect(await verify()).toMatchObject({ ok: true, count: head });
  });

  it.each([
    ["actor", "'mallory'"],
    ["occurred_at", "'2000-01-01T00:00:00.000Z'"],
    ["counts", `'{"pairs": 2}'`],
    ["details", `details || '{"outcome": "unlink"}'`],
    ["reference", "'CSSS-IVC/forged'"],
  ])("names the entry whose %s was changed", async (column, value) => {
    await tamper(`UPDATE audit.entries SET ${column} = ${value} WHERE seq = ${s}`);
    expect(await verify()).toEqual({
      ok: false,
      count: s - 1,
      firstBad: { seq: s, reason: "hash-mismatch" },
      checkpoints: expect.any(Number),
    });
  });

  it("`kruispunt audit verify` names it too, and exits 1", async () => {
    await tamper(`UPDATE audit.entries SET actor = 'mallory' WHERE seq = ${s}`);
    const out = await cli("audit", "verify");
    expect(out.code).toBe(1);
    expect(out.stdout.trim()).toBe(
      `BROKEN: entry ${s} (hash-mismatch) after ${s - 1} good entries`,
    );
  });

  it("catches an edit whose hashes were all recomputed, at the next signed checkpoint", async () => {
    const { appendToChain } = await import("../packages/audit-chain/src/index");
    const { rowToEntry } = await import("../services/audit/src/chain-store");
    const { rows } = await pool.query("SELECT * FROM audit.entries WHERE seq >= $1 ORDER BY seq", [
      s - 1,
    ]);
    const entries = rows.map(rowToEntry);
    const first = entries[1];
    if (!first || !entries[0]) throw new Error("no entries");
    first.actor = "mallory";
    let prev = { seq: entries[0].seq, hash: entries[0].hash };
    const updates: string[] = [];
    for (const e of entries.slice(1)) {
      const rebuilt = appendToChain(prev, e);
      updates.push(
        `UPDATE audit.entries SET actor = '${rebuilt.actor}', prev_hash = '${rebuilt.prevHash}', hash = '${rebuilt.hash}' WHERE seq = ${e.seq}`,
      );
      prev = { seq: rebuilt.seq, hash: rebuilt.hash };
    }
    await tamper(...updates);
    const signed = await pool.query(
      "SELECT min(seq)::int AS seq FROM audit.checkpoints WHERE seq >= $1",
      [s],
    );
    const at = signed.rows[0].seq as number;
    expect(await verify()).toEqual({
      ok: false,
      count: at - 1,
      firstBad: { seq: at, reason: "checkpoint-mismatch" },
      checkpoints: expect.any(Number),
    });
  });

  it("detects a deleted entry at the one after it", async () => {
    await tamper(`DELETE FROM audit.entries WHERE seq = ${s}`);
    expect(await verify()).toMatchObject({
      ok: false,
      count: s - 1,
      firstBad: { seq: s + 1, reason: "sequence-gap" },
    });
  });

  it("detects two swapped entries", async () => {
    await tamper(
      `UPDATE audit.entries SET seq = -1 WHERE seq = ${s}`,
      `UPDATE audit.entries SET seq = ${s} WHERE seq = ${s + 1}`,
      `UPDATE audit.entries SET seq = ${s + 1} WHERE seq = -1`,
    );
    expect(await verify()).toMatchObject({
      ok: false,
      count: s - 1,
      firstBad: { seq: s, reason: "prev-hash-mismatch" },
    });
  });

  it("detects the tail cut off after a checkpoint", async () => {
    await tamper(`DELETE FROM audit.entries WHERE seq > ${head - 3}`);
    expect(await verify()).toMatchObject({
      ok: false,
      count: head - 3,
      firstBad: { seq: head, reason: "checkpoint-beyond-head" },
    });
  });
});

describe("appendEvents on its own database, under the writer role", () => {
  const name = slotted("kruispunt_e2e_audit_append");
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  let writer: Pool;
  const dropDatabase = async () => {
    const admin = createPool("postgres://postgres@127.0.0.1:5432/postgres", 1);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  const event = (i: number): AuditEvent => ({
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    occurredAt: `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}.000Z`,
    service: "test",
    actor: "tester",
    role: "service",
    action: "test.event",
    object: `object/${i}`,
    reference: i % 2 === 0 ? `REF/${i}` : null,
    counts: { n: i, half: i / 2 },
    details: { i, flag: true, none: null, text: 'é, ü and 漢 " \\ \n' },
  });
  const append = (events: AuditEvent[]) => inTransaction(writer, (c) => appendEvents(c, events));

  beforeAll(async () => {
    await dropDatabase();
    await ensureDatabase(url);
    await migrate(url);
    writer = writerPool(url, 3);
  });

  afterAll(async () => {
    await writer?.end();
    await dropDatabase();
  });

  it("appends each event id once, in order, and the stored chain verifies", async () => {
    expect(await append([event(1), event(2), event(1), event(3)])).toBe(3);
    expect(await append([event(3), event(4)])).toBe(1);
    expect(await append([])).toBe(0);
    expect(await append([event(2)])).toBe(0);
    const { rows } = await writer.query(
      "SELECT seq::int, event_id, object FROM audit.entries ORDER BY seq",
    );
    expect(rows.map((r) => [r.seq, r.event_id, r.object])).toEqual(
      [1, 2, 3, 4].map((i) => [i, event(i).eventId, `object/${i}`]),
    );
    let head: { seq: number; hash: string } | null = null;
    for (const i of [1, 2, 3, 4]) {
      const e = appendToChain(head, event(i));
      head = { seq: e.seq, hash: e.hash };
    }
    expect(await verifyChain(readEntries(writer))).toEqual({ ok: true, count: 4, head });
  });

  it("queues concurrent appenders on the lock, so the chain never forks", async () => {
    const batch = (from: number) => Array.from({ length: 50 }, (_, i) => event(from + i));
    const appended = await Promise.all([
      append(batch(100)),
      append(batch(200)),
      append(batch(300)),
    ]);
    expect(appended).toEqual([50, 50, 50]);
    expect(await verifyChain(readEntries(writer))).toMatchObject({ ok: true, count: 154 });
  });
});
