/**
 * Intake end to end over real Kafka and PostgreSQL: the verdict file and status
 * endpoint, idempotency by (agency, dataset, source record id, version), two
 * identical uploads at once, a re-send after a broken connection, withdrawal
 * flowing on to linkage, agency scoping, and back-pressure (503 with Retry-After)
 * from an intake instance whose pseudonymiser is not running. The bad-input cases
 * record by record are in packages/agency-client/src/bad-input.test.ts; here they
 * are checked over HTTP for their status codes.
 */

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { agencyTopicSpecs, Bus } from "@kruispunt/bus";
import { ApiError, submitCommand, submitFile } from "@kruispunt/cli";
import { buildApp } from "@kruispunt/intake";
import { createLogger } from "@kruispunt/observability";
import { createContext, type ServiceContext } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, KAFKA_BROKERS, startHarness } from "./harness";

let harness: Harness;
const delta = { sub: "delta", role: "agency" as const };
const auditor = { sub: "auditor-intake", role: "auditor" as const };

interface Verdict {
  uploadId: string;
  submitted: number;
  accepted: number;
  refused: number;
  refusals: { line: number; sourceRecordId: string | null; field: string; code: string }[];
}
interface VerdictLine {
  line: number;
  sourceRecordId: string | null;
  verdict: "accepted" | "refused";
  unchanged?: boolean;
  field?: string;
  code?: string;
}

const contract = {
  identifier: { field: "ssn", scheme: "febrl-ssn" },
  sourceRecordId: "id",
  versionField: "v",
  variables: [
    { name: "visits", type: "integer", unit: "visits per year" },
    { name: "since", type: "date" },
  ],
};
const csvOf = (rows: [string, number, string][]) =>
  ["id,v,ssn,visits,since", ...rows.map(([id, v, ssn]) => `${id},${v},${ssn},3,2020-01-31`)].join(
    "\r\n",
  );
const ssn = (i: number) => String(3_000_000 + i);

const upload = (
  body: string | Buffer,
  options: {
    as?: typeof delta;
    dataset?: string;
    type?: string;
    headers?: Record<string, string>;
  } = {},
) =>
  fetch(`${harness.urls.intake}/v1/datasets/${options.dataset ?? "visits"}/uploads`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${harness.client.token(options.as ?? delta)}`,
      "content-type": options.type ?? "text/csv",
      ...options.headers,
    },
    body,
  });
const uploadOk = async (body: string | Buffer, options: Parameters<typeof upload>[1] = {}) => {
  const response = await upload(body, options);
  expect(response.status).toBe(200);
  return (await response.json()) as Verdict;
};
const verdictFile = async (uploadId: string, as = delta): Promise<VerdictLine[]> =>
  (await harness.client.download("intake", `/v1/uploads/${uploadId}/verdicts`, as))
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as VerdictLine);
const stored = async (dataset = "visits") =>
  (
    await harness.pool.query(
      "SELECT source_record_id AS id, version::int AS v, withdrawn FROM intake.records WHERE agency = 'delta' AND dataset = $1 ORDER BY source_record_id",
      [dataset],
    )
  ).rows;

beforeAll(async () => {
  harness = await startHarness("e2e_intake", 15_000, 20);
  await harness.client.request("intake", "PUT", "/v1/datasets/visits", delta, contract);
});

afterAll(async () => {
  await harness?.stop();
});

describe("withdrawal flows on to linkage", () => {
  it("removes an alpha record's link to beta (before other uploads queue behind it)", async () => {
    const alpha = { sub: "alpha", role: "agency" as const };
    const links = async () =>
      (
        await harness.client.request<{ pairs: { left: string; right: string }[] }>(
          "linker",
          "GET",
          "/v1/links?left=alpha/persons&right=beta/persons",
          auditor,
        )
      ).pairs;
    const pairs = await links();
    expect(pairs.length).toBeGreaterThan(0);
    const target = pairs[0]?.left as string;
    const withdrawal = await harness.client.request<Record<string, unknown>>(
      "intake",
      "DELETE",
      `/v1/datasets/persons/records/${target}`,
      alpha,
    );
    expect(withdrawal).toEqual({ sourceRecordId: target, version: 1, changed: true });
    let now = await links();
    for (let i = 0; i < 100 && now.some((p) => p.left === target); i++) {
      await new Promise((r) => setTimeout(r, 200));
      now = await links();
    }
    expect(now.map((p) => p.left)).not.toContain(target);
    expect(now).toHaveLength(pairs.length - 1);
    const row = await harness.pool.query(
      "SELECT withdrawn, cluster_id FROM linker.records WHERE agency = 'alpha' AND dataset = 'persons' AND source_record_id = $1",
      [target],
    );
    expect(row.rows[0]).toEqual({ withdrawn: true, cluster_id: null });
    const again = await harness.client.request<Record<string, unknown>>(
      "intake",
      "DELETE",
      `/v1/datasets/persons/records/${target}`,
      alpha,
    );
    expect(again).toEqual({ sourceRecordId: target, version: 1, changed: false });
    const unknown = (await harness.client
      .request("intake", "DELETE", "/v1/datasets/persons/records/no-such-record", alpha)
      .catch((e: unknown) => e)) as ApiError;
    expect(unknown.status).toBe(404);
    // An id no text column can hold (NUL), longer than an upload takes, or longer than
    // the router takes: 400 in the usual shape, not 500 or the router's own 414.
    for (const id of ["a%00b", "x".repeat(129), "x".repeat(3000)]) {
      const refused = (await harness.client
        .request("intake", "DELETE", `/v1/datasets/persons/records/${id}`, alpha)
        .catch((e: unknown) => e)) as ApiError;
      expect([refused.status, (refused.body as { code: string }).code]).toEqual([
        400,
        "KRP_ERR_BAD_REQUEST",
      ]);
    }
  });

  it("a withdrawn version re-sent is refused; a higher version reinstates the record", async () => {
    await uploadOk(csvOf([["w1", 1, ssn(50)]]));
    await harness.client.request("intake", "DELETE", "/v1/datasets/visits/records/w1", delta);
    const resent = await uploadOk(csvOf([["w1", 1, ssn(50)]]));
    expect(resent.refusals.map((r) => [r.line, r.field, r.code])).toEqual([
      [2, "v", "KRP_ERR_WITHDRAWN"],
    ]);
    expect((await stored()).find((r) => r.id === "w1")).toEqual({
      id: "w1",
      v: 1,
      withdrawn: true,
    });
    expect(await uploadOk(csvOf([["w1", 2, ssn(50)]]))).toMatchObject({ accepted: 1, refused: 0 });
    expect((await stored()).find((r) => r.id === "w1")).toEqual({
      id: "w1",
      v: 2,
      withdrawn: false,
    });
  });
});

describe("the verdict file and the status endpoint", () => {
  it("gives one line per record, accepted or refused with line, field and code", async () => {
    const csv = `${csvOf([
      ["a1", 1, ssn(1)],
      ["a2", 1, "12"],
    ])}\r\na3,1,${ssn(3)},many,2020-01-31\r\na4,1,${ssn(4)},1,1980-02-31\r\na5,1,${ssn(5)},many,1980-02-31\r\n`;
    const verdict = await uploadOk(csv);
    expect(verdict).toMatchObject({ submitted: 5, accepted: 1, refused: 4 });
    expect(await verdictFile(verdict.uploadId)).toEqual([
      { line: 2, sourceRecordId: "a1", verdict: "accepted" },
      {
        line: 3,
        sourceRecordId: "a2",
        verdict: "refused",
        field: "ssn",
        code: "KRP_ID_BAD_LENGTH",
        message: expect.any(String),
      },
      {
        line: 4,
        sourceRecordId: "a3",
        verdict: "refused",
        field: "visits",
        code: "KRP_ERR_NOT_AN_INTEGER",
        message: "the value is not an integer",
      },
      {
        line: 5,
        sourceRecordId: "a4",
        verdict: "refused",
        field: "since",
        code: "KRP_ERR_NOT_A_DATE",
        message: "the value is not a calendar date (YYYY-MM-DD or YYYYMMDD)",
      },
      // Two bad fields: the first as field/code/message, both in problems.
      {
        line: 6,
        sourceRecordId: "a5",
        verdict: "refused",
        field: "visits",
        code: "KRP_ERR_NOT_AN_INTEGER",
        message: "the value is not an integer",
        problems: [
          {
            field: "visits",
            code: "KRP_ERR_NOT_AN_INTEGER",
            message: "the value is not an integer",
          },
          {
            field: "since",
            code: "KRP_ERR_NOT_A_DATE",
            message: "the value is not a calendar date (YYYY-MM-DD or YYYYMMDD)",
          },
        ],
      },
    ]);
    const status = await harness.client.request<Record<string, unknown>>(
      "intake",
      "GET",
      `/v1/uploads/${verdict.uploadId}`,
      delta,
    );
    expect(status).toMatchObject({
      uploadId: verdict.uploadId,
      dataset: "visits",
      format: "csv",
      status: "complete",
      attempts: 1,
      submitted: 5,
      accepted: 1,
      refused: 4,
      throughLine: 6,
      ignoredColumns: [],
    });
  });

  it("takes NDJSON, gzip-compressed, with the same verdicts", async () => {
    const ndjson = [
      JSON.stringify({ id: "n1", v: 1, ssn: ssn(11), visits: 2, since: null }),
      "not json",
      JSON.stringify({ id: "n3", v: 1, ssn: "N/A" }),
    ].join("\n");
    const verdict = await uploadOk(gzipSync(Buffer.from(ndjson)), {
      type: "application/x-ndjson",
      headers: { "content-encoding": "gzip" },
    });
    expect(verdict.refusals.map((r) => [r.line, r.field, r.code])).toEqual([
      [2, "", "KRP_ERR_MALFORMED_JSON"],
      [3, "ssn", "KRP_ID_EMPTY"],
    ]);
    expect(verdict).toMatchObject({ submitted: 3, accepted: 1, refused: 2 });
  });

  it("answers the bad-input list without a 5xx: empty 400, header only 200, Latin-1 refused per record", async () => {
    const empty = await upload("");
    expect([empty.status, ((await empty.json()) as { code: string }).code]).toEqual([
      400,
      "KRP_ERR_BAD_REQUEST",
    ]);
    expect(await uploadOk("id,v,ssn,visits,since\r\n")).toMatchObject({
      submitted: 0,
      accepted: 0,
      refused: 0,
    });
    const missing = await upload("id,v,visits,since\n1,1,2,\n");
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { message: string }).message).toBe(
      "the header lacks column(s) ssn",
    );
    const latin1 = Buffer.concat([
      Buffer.from(`id,v,ssn,visits,since,town\nl1,1,${ssn(21)},1,,Li`),
      Buffer.from([0xe8]),
      Buffer.from(`ge\nl2,1,${ssn(22)},1,,Gent\n`),
    ]);
    const v = await uploadOk(latin1);
    expect(v.refusals.map((r) => [r.line, r.field, r.code])).toEqual([
      [2, "town", "KRP_ERR_NOT_UTF8"],
    ]);
    expect(v.accepted).toBe(1);
  });
});

describe("idempotency by (agency, dataset, source record id, version)", () => {
  it("a re-sent file changes nothing; a higher version replaces; a lower one is refused", async () => {
    const first = await uploadOk(
      csvOf([
        ["r1", 1, ssn(31)],
        ["r2", 1, ssn(32)],
      ]),
    );
    expect(first).toMatchObject({ accepted: 2, refused: 0 });
    const before = await harness.pool.query(
      "SELECT source_record_id, version, upload_id, accepted_at FROM intake.records WHERE source_record_id IN ('r1','r2') ORDER BY 1",
    );
    const again = await uploadOk(
      csvOf([
        ["r1", 1, ssn(31)],
        ["r2", 1, ssn(32)],
      ]),
    );
    expect(again).toMatchObject({ accepted: 2, refused: 0 });
    expect((await verdictFile(again.uploadId)).map((l) => l.unchanged)).toEqual([true, true]);
    const after = await harness.pool.query(
      "SELECT source_record_id, version, upload_id, accepted_at FROM intake.records WHERE source_record_id IN ('r1','r2') ORDER BY 1",
    );
    expect(after.rows).toEqual(before.rows);

    const newer = await uploadOk(csvOf([["r1", 2, ssn(31)]]));
    expect((await verdictFile(newer.uploadId))[0]).toEqual({
      line: 2,
      sourceRecordId: "r1",
      verdict: "accepted",
    });
    const older = await uploadOk(csvOf([["r2", 0, ssn(32)]]));
    expect(older.refusals).toEqual([
      {
        line: 2,
        sourceRecordId: "r2",
        field: "v",
        code: "KRP_ERR_STALE_VERSION",
        message: "version 0 is lower than the accepted version 1",
      },
    ]);
    expect((await stored()).filter((r) => r.id === "r1" || r.id === "r2")).toEqual([
      { id: "r1", v: 2, withdrawn: false },
      { id: "r2", v: 1, withdrawn: false },
    ]);
  });

  it("refuses the same source id twice in one file, also across batches", async () => {
    const rows: [string, number, string][] = [];
    for (let i = 0; i < 600; i++) rows.push([`d${i}`, 1, ssn(1000 + i)]);
    rows.push(["d0", 1, ssn(1000)]);
    const verdict = await uploadOk(csvOf(rows));
    expect(verdict).toMatchObject({ submitted: 601, accepted: 600, refused: 1 });
    expect(verdict.refusals).toEqual([
      {
        line: 602,
        sourceRecordId: "d0",
        field: "id",
        code: "KRP_ERR_DUPLICATE_RECORD_ID",
        message: "the source record id already occurs at line 2 of this file",
      },
    ]);
  });

  it("two identical uploads running at once end with one record each, published once", async () => {
    const rows: [string, number, string][] = [];
    for (let i = 0; i < 1500; i++) rows.push([`c${i}`, 1, ssn(5000 + i)]);
    const csv = csvOf(rows);
    const [x, y] = await Promise.all([uploadOk(csv), uploadOk(csv)]);
    expect([x.accepted, y.accepted, x.refused + y.refused]).toEqual([1500, 1500, 0]);
    const fresh = await harness.pool.query(
      "SELECT count(*)::int AS n FROM intake.verdicts WHERE upload_id = ANY($1::uuid[]) AND outcome = 'accepted'",
      [[x.uploadId, y.uploadId]],
    );
    expect(fresh.rows[0].n).toBe(1500);
    const records = await harness.pool.query(
      "SELECT count(*)::int AS n FROM intake.records WHERE agency = 'delta' AND source_record_id LIKE 'c%'",
    );
    expect(records.rows[0].n).toBe(1500);
  });
});

describe("a re-send after a broken connection", () => {
  it("resumes under the same Upload-Id: nothing counted twice, every line has a verdict", async () => {
    const rows: [string, number, string][] = [];
    for (let i = 0; i < 3000; i++) rows.push([`b${i}`, 1, ssn(20_000 + i)]);
    const csv = Buffer.from(csvOf(rows));
    const uploadId = "0b6c2d2e-6a55-4d1e-9d7e-3c1f0e0a4b51";
    // Send the first 2000 lines, wait until intake has admitted some, then cut the connection.
    const cut = csv.indexOf(`\r\nb2000,`);
    const abort = new AbortController();
    let feed!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        feed = controller;
        controller.enqueue(csv.subarray(0, cut));
      },
    });
    const broken = fetch(`${harness.urls.intake}/v1/datasets/visits/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${harness.client.token(delta)}`,
        "content-type": "text/csv",
        "upload-id": uploadId,
      },
      body,
      duplex: "half",
      signal: abort.signal,
    } as RequestInit).catch((e: unknown) => e);
    const status = () =>
      harness.client.request<{ status: string; throughLine: number; accepted: number }>(
        "intake",
        "GET",
        `/v1/uploads/${uploadId}`,
        delta,
      );
    for (let i = 0; i < 100; i++) {
      const s = await status().catch(() => null);
      if (s && s.throughLine >= 1000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    abort.abort();
    feed.error(new Error("connection cut"));
    expect(await broken).toBeInstanceOf(Error);
    let interrupted = await status();
    for (let i = 0; i < 50 && interrupted.status === "receiving"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      interrupted = await status();
    }
    expect(interrupted.status).toBe("interrupted");
    expect(interrupted.accepted).toBeGreaterThanOrEqual(1000);
    expect(interrupted.accepted).toBeLessThan(3000);
    const before = interrupted.accepted;

    const resumed = await uploadOk(csv, { headers: { "upload-id": uploadId } });
    expect(resumed).toMatchObject({ uploadId, submitted: 3000, accepted: 3000, refused: 0 });
    const lines = await verdictFile(uploadId);
    expect(lines).toHaveLength(3000);
    expect(lines.filter((l) => l.unchanged).length).toBeGreaterThanOrEqual(before);
    expect(await status()).toMatchObject({ status: "complete", accepted: 3000 });
    const records = await harness.pool.query(
      "SELECT count(*)::int AS n FROM intake.records WHERE agency = 'delta' AND source_record_id LIKE 'b%'",
    );
    expect(records.rows[0].n).toBe(3000);
  });
});

describe("each agency's token reaches only its own datasets and uploads", () => {
  it("cannot read another agency's upload or verdicts, nor write a dataset outside its scope", async () => {
    const mine = await uploadOk(csvOf([["s1", 1, ssn(40)]]));
    const beta = { sub: "beta", role: "agency" as const };
    for (const path of [`/v1/uploads/${mine.uploadId}`, `/v1/uploads/${mine.uploadId}/verdicts`]) {
      const e = (await harness.client
        .request("intake", "GET", path, beta)
        .catch((x: unknown) => x)) as ApiError;
      expect([e.status, (e.body as { code: string }).code]).toEqual([403, "KRP_ERR_FORBIDDEN"]);
      expect((e.body as { details: unknown }).details).toEqual({ uploadId: mine.uploadId });
    }
    // beta has no dataset "visits": it cannot upload into delta's.
    const intoDelta = await upload(csvOf([["s1", 9, ssn(41)]]), { as: beta });
    expect(intoDelta.status).toBe(404);
    expect((await stored()).find((r) => r.id === "s1")).toEqual({
      id: "s1",
      v: 1,
      withdrawn: false,
    });
    // A token scoped to "visits" cannot touch delta's other datasets, nor register one.
    const scoped = { ...delta, datasets: ["visits"] };
    expect((await upload(csvOf([["s2", 1, ssn(42)]]), { as: scoped })).status).toBe(200);
    const other = await upload(csvOf([["s2", 1, ssn(42)]]), { as: scoped, dataset: "payments" });
    expect([other.status, ((await other.json()) as { details: unknown }).details]).toEqual([
      403,
      { dataset: "payments", tokenDatasets: ["visits"] },
    ]);
    const register = (await harness.client
      .request("intake", "PUT", "/v1/datasets/payments", scoped, contract)
      .catch((e: unknown) => e)) as ApiError;
    expect(register.status).toBe(403);
  });

  it("an Upload-Id of one dataset re-used for another: 409 naming the upload id and dataset", async () => {
    await harness.client.request("intake", "PUT", "/v1/datasets/visits_b", delta, contract);
    const first = await uploadOk(csvOf([["u1", 1, ssn(50)]]));
    const reused = await upload(csvOf([["u1", 1, ssn(50)]]), {
      dataset: "visits_b",
      headers: { "upload-id": first.uploadId },
    });
    expect([reused.status, await reused.json()]).toEqual([
      409,
      {
        code: "KRP_ERR_CONFLICT",
        message: `upload ${first.uploadId} is still being received, or belongs to another dataset`,
        details: { uploadId: first.uploadId, dataset: "visits_b" },
      },
    ]);
  });
});

describe("kruispunt submit", () => {
  it("shows progress, writes the verdict file, and exits 1 when a record was refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kruispunt-submit-"));
    const rows: [string, number, string][] = [];
    for (let i = 0; i < 2000; i++) rows.push([`m${i}`, 1, ssn(40_000 + i)]);
    const csvFile = join(dir, "visits.csv");
    writeFileSync(csvFile, `${csvOf(rows)}\r\nm2000,1,12,1,\r\n`);
    const lines: string[] = [];
    const result = await submitFile({
      client: harness.client,
      as: delta,
      dataset: "visits",
      file: csvFile,
      progress: { write: (t) => lines.push(t), tty: false },
      pollMs: 50,
    });
    expect(result).toMatchObject({ submitted: 2001, accepted: 2000, refused: 1, attempts: 1 });
    expect(lines.at(-1)).toBe(
      `[########################] 2,001 records  ${lines.at(-1)?.match(/ ([\d,]+)\/s/)?.[1]}/s  accepted 2,000  refused 1\n`,
    );
    const verdicts = readFileSync(`${csvFile}.verdicts.ndjson`, "utf8").trim().split("\n");
    expect(verdicts).toHaveLength(2001);
    expect(JSON.parse(verdicts[2000] ?? "")).toMatchObject({
      line: 2002,
      sourceRecordId: "m2000",
      verdict: "refused",
      field: "ssn",
      code: "KRP_ID_BAD_LENGTH",
    });

    // Undeclared columns (the contract ignores them): named once, on the final line and
    // in the upload's status, never their values.
    const extraFile = join(dir, "extra.csv");
    writeFileSync(
      extraFile,
      `id,v,ssn,visits,since,note,remark\r\nx1,1,${ssn(46_000)},1,,secret,\r\nx2,1,${ssn(46_001)},1,,,r\r\n`,
    );
    const extraLines: string[] = [];
    const extra = await submitFile({
      client: harness.client,
      as: delta,
      dataset: "visits",
      file: extraFile,
      progress: { write: (t) => extraLines.push(t), tty: false },
      pollMs: 50,
    });
    expect(extra).toMatchObject({ accepted: 2, refused: 0, ignoredColumns: ["note", "remark"] });
    expect(extraLines.at(-1)).toBe(
      `[########################] 2 records  ${extraLines.at(-1)?.match(/ ([\d,]+)\/s/)?.[1]}/s  accepted 2  refused 0  ignored columns: note, remark\n`,
    );
    const extraStatus = await harness.client.request<{ ignoredColumns: string[] }>(
      "intake",
      "GET",
      `/v1/uploads/${extra.uploadId}`,
      delta,
    );
    expect(extraStatus.ignoredColumns).toEqual(["note", "remark"]);
    expect(JSON.stringify(extraStatus)).not.toMatch(/secret/);

    const ndjsonFile = join(dir, "visits.ndjson.gz");
    writeFileSync(
      ndjsonFile,
      gzipSync(`${JSON.stringify({ id: "g1", v: 1, ssn: ssn(45_000) })}\n`),
    );
    const log = console.log;
    console.log = () => {};
    try {
      const ok = await submitCommand(
        [ndjsonFile, "--dataset", "visits", "--as", "delta", "--verdicts", join(dir, "g.ndjson")],
        harness.client,
      );
      expect(ok).toBe(0);
      const refused = await submitCommand(
        [csvFile, "--dataset", "visits", "--as", "delta"],
        harness.client,
      );
      expect(refused).toBe(1);
    } finally {
      console.log = log;
    }
    expect(readFileSync(join(dir, "g.ndjson"), "utf8")).toBe(
      '{"line":1,"sourceRecordId":"g1","verdict":"accepted"}\n',
    );
  });
});

describe("back-pressure", () => {
  let ctx: ServiceContext;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    // A second intake on a namespace where no pseudonymiser consumes: the backlog grows.
    // Its agencies' Kafka-intake topics are created one agency at a time first: several
    // createTopics at once on a fresh namespace can fail with UNKNOWN_TOPIC_OR_PARTITION.
    const namespace = `${harness.namespace}bp.`;
    const setup = await Bus.connect({
      brokers: KAFKA_BROKERS,
      clientId: "e2e-intake-bp",
      logger: createLogger("e2e", "warn"),
      namespace,
    });
    try {
      for (const agency of ["alpha", "beta", "delta", "gamma"])
        await setup.ensureTopics(agencyTopicSpecs(agency));
    } finally {
      await setup.close();
    }
    ctx = await createContext("intake", {
      KAFKA_BROKERS: KAFKA_BROKERS.join(","),
      KAFKA_NAMESPACE: namespace,
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/kruispunt_${harness.name}`,
      KRUISPUNT_DATA_DIR: harness.dataDir,
      INTAKE_MAX_BACKLOG: "3",
      LOG_LEVEL: "warn",
    });
    app = await buildApp(ctx);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.bus.close();
    await ctx?.pool.end();
  });
  const post = (csv: string) =>
    app.inject({
      method: "POST",
      url: "/v1/datasets/visits/uploads",
      headers: {
        authorization: `Bearer ${harness.client.token(delta)}`,
        "content-type": "text/csv",
      },
      payload: csv,
    });

  it("answers 503 with Retry-After while the pseudonymiser is behind, and when Kafka is gone", async () => {
    // The new consumer groups of this second intake may still be joining: set-up only.
    let first = await post(csvOf([0, 1, 2, 3, 4].map((i) => [`p${i}`, 1, ssn(60 + i)])));
    for (let i = 0; i < 5 && first.statusCode === 503; i++) {
      await new Promise((r) => setTimeout(r, 1100));
      first = await post(csvOf([0, 1, 2, 3, 4].map((i) => [`p${i}`, 1, ssn(60 + i)])));
    }
    expect([first.statusCode, first.json().accepted, first.json().message]).toEqual([
      200,
      5,
      undefined,
    ]);
    await new Promise((r) => setTimeout(r, 1100)); // the backlog is read at most once a second
    const behind = await post(csvOf([["p9", 1, ssn(69)]]));
    expect([behind.statusCode, behind.headers["retry-after"], behind.json().code]).toEqual([
      503,
      "5",
      "KRP_ERR_UNAVAILABLE",
    ]);
    expect(behind.json().message).toContain("the pseudonymiser is 5 records behind (limit 3)");
    expect((await stored()).some((r) => r.id === "p9")).toBe(false);

    await ctx.bus.close();
    await new Promise((r) => setTimeout(r, 1100));
    const gone = await post(csvOf([["p10", 1, ssn(70)]]));
    expect([gone.statusCode, gone.headers["retry-after"]]).toEqual([503, "5"]);
    expect((await stored()).some((r) => r.id === "p10")).toBe(false);
  });
});
