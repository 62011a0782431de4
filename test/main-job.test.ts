/**
 * End to end over real Kafka and PostgreSQL: the main job on the first 500 FEBRL 4
 * pairs, then the privacy invariant, hostile input and audit tampering against the
 * same running services. Needs a broker (KAFKA_BROKERS, default 127.0.0.1:9092).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError, febrlSubmission, publishCsv, type Summary } from "@kruispunt/cli";
import type { Pool } from "@kruispunt/store";
import { Validator } from "@seriousme/openapi-schema-validator";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, KAFKA_BROKERS, startHarness, waitForLinks } from "./harness";
import {
  findDates,
  findIdentifiers,
  findWords,
  kafkaTopicDirs,
  quasiIdentifierValues,
  scanDatabase,
  scanFiles,
  submittedIdentifiers,
} from "./privacy-scan";

let harness: Harness;
let summary: Summary;
let pool: Pool;
const febrlDir = FEBRL_DIR;

beforeAll(async () => {
  harness = await startHarness("e2e", 10_000, 500);
  summary = harness.summary;
  pool = harness.pool;
}, 600_000);

afterAll(async () => {
  await harness?.stop();
});

describe("main job on FEBRL 4 persons 0–499", () => {
  it("accepts every record of both agencies", () => {
    expect(summary.agencies).toEqual({
      alpha: { submitted: 500, accepted: 500, rejected: 0 },
      beta: { submitted: 500, accepted: 500, rejected: 0 },
    });
  });

  it("links all 500 true pairs, 459 on soc_sec_id and 41 by PPRL, with no false link", () => {
    // 459 = persons N < 500 whose soc_sec_id is identical in dataset4a and dataset4b;
    // the other 41 have it mistyped and link on their quasi-identifiers' encodings.
    expect(summary.linkage.linked_pairs).toBe(500);
    expect(summary.linkage.by_method).toEqual({ exact: 459, pprl: 41 });
    expect(summary.linkage.truth).toEqual({
      tp: 500,
      fp: 0,
      fn: 0,
      precision: 1,
      recall: 1,
      f1: 1,
      review: 0,
    });
  });

  it("releases every cohort person that k-anonymity allows, none below k", async () => {
    expect(summary.extract.rows + summary.extract.suppressed).toBe(500);
    expect(summary.extract.k).toBe(10);
    const lines = readFileSync(summary.extract.path, "utf8").trim().split("\n");
    expect(lines[0]).toBe("project_pseudonym,state,year_of_birth,postcode_region");
    expect(lines).toHaveLength(summary.extract.rows + 1);
    const classes = new Map<string, number>();
    for (const line of lines.slice(1)) {
      const key = line.split(",").slice(1).join(",");
      classes.set(key, (classes.get(key) ?? 0) + 1);
    }
    expect(Math.min(...classes.values())).toBeGreaterThanOrEqual(10);
  });

  it("audits every pseudonymisation batch, link decision, approval and release, and the chain verifies", async () => {
    expect(summary.audit.verified).toBe(true);
    const by = summary.audit.by_action;
    expect(by["link.decision"]).toBe(500);
    expect(by["intake.upload"]).toBe(2);
    expect(by["project.approve"]).toBe(1);
    expect(by["release.extract"]).toBe(1);
    const pseudonymised = await pool.query(
      "SELECT sum((counts->>'pseudonymised')::int)::int AS n FROM audit.entries WHERE action = 'pseudonymise.batch'",
    );
    expect(pseudonymised.rows[0].n).toBe(1000);
    const extract = await pool.query(
      "SELECT counts FROM audit.entries WHERE action = 'release.extract'",
    );
    expect(extract.rows[0].counts).toEqual({
      rows: summary.extract.rows,
      suppressed: summary.extract.suppressed,
      k: 10,
    });
  });
});

describe("privacy invariant 1: no raw soc_sec_id, name or date of birth at rest", () => {
  const alpha = febrlSubmission(join(febrlDir, "dataset4a.csv"), 500);
  const beta = febrlSubmission(join(febrlDir, "dataset4b.csv"), 500);
  const rows = [alpha.csv, beta.csv].flatMap(
    (csv) => parse(csv, { columns: true }) as Record<string, string>[],
  );
  const identifiers = submittedIdentifiers([alpha.csv, beta.csv]);
  const quasi = quasiIdentifierValues(rows);

  it("the scanner finds identifiers where they are (control)", () => {
    expect(identifiers.size).toBe(1000 - 459);
    expect(findIdentifiers(alpha.csv, identifiers, "control")).toHaveLength(500);
    expect(quasi.names.size).toBeGreaterThan(300);
    expect(quasi.dates.size).toBeGreaterThan(500);
    expect(findWords(alpha.csv, quasi.names, "control").length).toBeGreaterThan(500);
    expect(findDates(alpha.csv, quasi.dates, "control").length).toBeGreaterThan(400);
  });

  it("finds none in Kafka segments, service logs, outputs or the database", async () => {
    // The run's own topics (records.intake carries sealed identifiers), one directory per partition.
    const segments = await kafkaTopicDirs(KAFKA_BROKERS, harness.namespace);
    expect(segments.length).toBeGreaterThanOrEqual(14);
    const fileHits = scanFiles(
      [...segments, join(harness.dataDir, "logs"), harness.outDir],
      identifiers,
      quasi,
    );
    expect(fileHits.slice(0, 10)).toEqual([]);
    const dbHits = await scanDatabase(
      pool,
      ["intake", "linker", "release", "audit", "public"],
      identifiers,
      quasi,
    );
    expect(dbHits.slice(0, 10)).toEqual([]);
  });
});

describe("hostile input to intake", () => {
  const alphaAgency = { sub: "alpha", role: "agency" as const };
  const upload = (csv: string) =>
    harness.client.request<{
      uploadId: string;
      submitted: number;
      accepted: number;
      refused: number;
      refusals: { line: number; field: string; code: string; message: string }[];
    }>("intake", "POST", "/v1/datasets/persons/uploads", alphaAgency, csv, "text/csv");
  const header =
    "record_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id,year_of_birth";

  it("refuses bad records one by one, naming line, field and reason, and keeps the rest", async () => {
    const csv = [
      header,
      "9001,a,b,1,x,,y,2000,nsw,19700101,12345,1970",
      "9002,a,b,1,x,,y,2000,nsw,19700101,,1970",
      ",a,b,1,x,,y,2000,nsw,19700101,7654321,1970",
      '9004,"quoted, with comma",b,1,x,,y,2000,nsw,19700101,7654321,1970',
    ].join("\r\n");
    const verdict = await upload(csv);
    // The demo contract links records whose soc_sec_id is malformed or missing
    // probabilistically (identifier.whenUnusable): accepted, with a note naming the
    // field and the code (test/missing-identifier.test.ts has the refusing contract).
    expect(verdict).toMatchObject({ submitted: 4, accepted: 3, refused: 1 });
    expect(verdict.refusals.map((r) => [r.line, r.field, r.code])).toEqual([
      [4, "record_id", "KRP_ERR_MISSING_RECORD_ID"],
    ]);
    const lines = (
      await harness.client.download(
        "intake",
        `/v1/uploads/${verdict.uploadId}/verdicts`,
        alphaAgency,
      )
    )
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            line: number;
            verdict: string;
            note?: { field: string; code: string };
          },
      );
    expect(lines.map((l) => [l.line, l.verdict, l.note?.field, l.note?.code])).toEqual([
      [2, "accepted", "soc_sec_id", "KRP_ID_BAD_LENGTH"],
      [3, "accepted", "soc_sec_id", "KRP_ID_EMPTY"],
      [4, "refused", undefined, undefined],
      [5, "accepted", undefined, undefined],
    ]);
    expect(JSON.stringify([verdict, lines])).not.toContain("12345");
  });

  it("answers 400 for a file without the identifier column, naming it", async () => {
    const error = await upload("record_id,state\n1,nsw\n").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toContain("soc_sec_id");
  });

  it("answers 400 for malformed CSV without quoting its content", async () => {
    const error = (await upload(
      `${header}\n9100,"unterminated,b,1,x,,y,2000,nsw,19700101,7654321\n`,
    ).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(400);
    expect(error.message).not.toContain("7654321");
  });

  it("answers 415 for a JSON or text body and 400 for an empty file", async () => {
    const json = (await harness.client
      .request("intake", "POST", "/v1/datasets/persons/uploads", alphaAgency, {
        soc_sec_id: "1234567",
      })
      .catch((e: unknown) => e)) as ApiError;
    expect([json.status, (json.body as { code: string }).code]).toEqual([
      415,
      "KRP_ERR_UNSUPPORTED_MEDIA_TYPE",
    ]);
    const text = (await harness.client
      .request("intake", "POST", "/v1/datasets/persons/uploads", alphaAgency, "x", "text/plain")
      .catch((e: unknown) => e)) as ApiError;
    expect(text.status).toBe(415);
    const empty = (await upload("").catch((e: unknown) => e)) as ApiError;
    expect([empty.status, (empty.body as { code: string }).code]).toEqual([
      400,
      "KRP_ERR_BAD_REQUEST",
    ]);
  });

  it("answers 401 without a token and 403 for the wrong role", async () => {
    const noToken = await fetch(`${harness.urls.intake}/v1/datasets/persons/uploads`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: header,
    });
    expect(noToken.status).toBe(401);
    const wrongRole = (await harness.client
      .request(
        "intake",
        "POST",
        "/v1/datasets/persons/uploads",
        { sub: "r", role: "researcher" },
        header,
        "text/csv",
      )
      .catch((e: unknown) => e)) as ApiError;
    expect(wrongRole.status).toBe(403);
  });
});

describe("audit tampering is detected", () => {
  it("names the entry whose column was changed directly in PostgreSQL", async () => {
    const auditor = { sub: "auditor-e2e", role: "auditor" as const };
    const client2 = await pool.connect();
    try {
      await expect(
        client2.query("UPDATE audit.entries SET actor = 'mallory' WHERE seq = 5"),
      ).rejects.toThrow(/append-only/);
      // A superuser can bypass triggers; verification must still catch it.
      await client2.query("SET session_replication_role = replica");
      await client2.query("UPDATE audit.entries SET actor = 'mallory' WHERE seq = 5");
      const result = await harness.client.request<{
        ok: boolean;
        firstBad?: { seq: number; reason: string };
      }>("audit", "GET", "/v1/audit/verify", auditor);
      expect(result).toMatchObject({ ok: false, firstBad: { seq: 5, reason: "hash-mismatch" } });
    } finally {
      await client2.query("SET session_replication_role = origin");
      client2.release();
    }
  });
});

describe("an agency producing straight to Kafka (identifiers sealed on the agency side)", () => {
  it("links every record of a copy of alpha's file to alpha's records", async () => {
    const gamma = { sub: "gamma", role: "agency" as const };
    const alpha = febrlSubmission(join(febrlDir, "dataset4a.csv"), 500);
    const contract = await harness.client.request<{ contract: unknown }>(
      "intake",
      "GET",
      "/v1/datasets/persons",
      { sub: "alpha", role: "agency" },
    );
    await harness.client.request("intake", "PUT", "/v1/datasets/persons", gamma, contract.contract);
    const { Readable } = await import("node:stream");
    const verdict = await publishCsv({
      client: harness.client,
      agency: "gamma",
      dataset: "persons",
      body: Readable.from([alpha.csv]),
      kafkaBrokers: KAFKA_BROKERS,
      kafkaNamespace: harness.namespace,
    });
    expect(verdict).toMatchObject({ submitted: 500, accepted: 500, refused: 0 });
    const pairs = await waitForLinks(harness, "alpha/persons", "gamma/persons", 500);
    expect(pairs).toHaveLength(500);
    expect(pairs.every((p) => p.left === p.right)).toBe(true);
  });
});

describe("release authorisation", () => {
  const project = () => summary.extract.project;
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e: unknown) => (e as ApiError).status,
    );

  it("lets nobody decide on a project they filed (separation of duties)", async () => {
    const self = { sub: "researcher-demo", role: "committee" as const };
    expect(
      await status(
        harness.client.request("release", "POST", `/v1/projects/${project()}/decision`, self, {
          decision: "withdraw",
          reference: "x",
        }),
      ),
    ).toBe(403);
  });

  it("refuses another researcher and a second approval", async () => {
    const eve = { sub: "eve", role: "researcher" as const };
    expect(
      await status(
        harness.client.request("release", "POST", `/v1/projects/${project()}/extracts`, eve),
      ),
    ).toBe(403);
    const committee = { sub: "committee-2", role: "committee" as const };
    expect(
      await status(
        harness.client.request("release", "POST", `/v1/projects/${project()}/decision`, committee, {
          decision: "approve",
          reference: "again",
        }),
      ),
    ).toBe(409);
  });
});

describe("every service serves its OpenAPI document", () => {
  // Routes each service had when this test was written; services may add more.
  const routes: Record<string, string[]> = {
    intake: [
      "PUT /v1/datasets/{dataset}",
      "GET /v1/datasets/{dataset}",
      "POST /v1/datasets/{dataset}/uploads",
      "GET /v1/uploads/{uploadId}",
    ],
    pseudonymiser: ["POST /v1/pseudonymise", "POST /v1/rekey", "GET /v1/keys"],
    linker: [
      "GET /v1/stats",
      "GET /v1/links",
      "GET /v1/keys",
      "GET /v1/review",
      "POST /v1/review/{id}/resolution",
    ],
    release: [
      "POST /v1/projects",
      "GET /v1/projects/{id}",
      "POST /v1/projects/{id}/decision",
      "POST /v1/projects/{id}/extracts",
      "GET /v1/projects/{id}/extracts/{extractId}/files/{name}",
    ],
    audit: ["GET /v1/audit/entries", "GET /v1/audit/verify", "GET /v1/audit/linkage-log"],
  };
  it.each(Object.keys(routes))("%s: valid OpenAPI 3.1 listing its routes", async (service) => {
    const response = await fetch(`${harness.urls[service as keyof Harness["urls"]]}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      info: { title: string };
      paths: Record<string, Record<string, unknown>>;
    };
    const validation = await new Validator().validate(document);
    expect(validation.errors).toBeUndefined();
    expect(document.info.title).toBe(`Kruispunt ${service}`);
    const listed = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed).toEqual(
      expect.arrayContaining([...(routes[service] ?? []), "GET /health/ready", "GET /metrics"]),
    );
  });
});
