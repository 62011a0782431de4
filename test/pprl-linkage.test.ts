/**
 * Probabilistic linkage (PPRL, issue 5 items 2–3) through the running services over real
 * Kafka and PostgreSQL: after the main job on FEBRL persons 0–199, records whose
 * soc_sec_id is mistyped are linked on their keyed Bloom-filter encodings; an exact
 * match beats a probabilistic one; undecided pairs wait in the clerical review queue,
 * which only a reviewer reads and resolves (audited); an encoding of another key
 * version or schema is refused and audited. Expected values come from the FEBRL files.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Bus, TOPICS } from "@kruispunt/bus";
import { ApiError } from "@kruispunt/cli";
import { encodeEvent } from "@kruispunt/contracts";
import { createLogger } from "@kruispunt/observability";
import { filtersLength, PERSON_SCHEMA_V1, PERSON_V1_PARAMETERS, weights } from "@kruispunt/pprl";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, KAFKA_BROKERS, startHarness, waitFor } from "./harness";
import { quasiIdentifierValues, scanDatabase } from "./privacy-scan";

const LIMIT = 200;
let h: Harness;

type Row = Record<string, string>;
const read = (file: string) =>
  parse(readFileSync(join(FEBRL_DIR, file), "utf8"), { columns: true, trim: true }) as Row[];
const alphaRows = read("dataset4a.csv");
const betaRows = read("dataset4b.csv");
const person = (r: Row) => Number(/^rec-(\d+)-/.exec(r.rec_id ?? "")?.[1]);
/** person → [record id (1-based row), row] in one file, for persons below LIMIT. */
const byPerson = (rows: Row[]) =>
  new Map(
    rows.flatMap((r, i) => (person(r) < LIMIT ? [[person(r), [String(i + 1), r]] as const] : [])),
  );
const alpha = byPerson(alphaRows);
const beta = byPerson(betaRows);
/** The true pairs (alpha id, beta id, whether soc_sec_id agrees), in alpha id order. */
const truePairs = [...alpha.entries()]
  .map(([p, [a, ra]]) => {
    const [b, rb] = beta.get(p) as [string, Row];
    return { left: a, right: b, exact: ra.soc_sec_id === rb.soc_sec_id };
  })
  .sort((x, y) => (x.left < y.left ? -1 : x.left > y.left ? 1 : 0));

const agency = (sub: string) => ({ sub, role: "agency" as const });
const auditor = { sub: "e2e-auditor", role: "auditor" as const };
const reviewer = { sub: "e2e-reviewer", role: "reviewer" as const };
const COLUMNS = [
  "record_id",
  "given_name",
  "surname",
  "street_number",
  "address_1",
  "address_2",
  "suburb",
  "postcode",
  "state",
  "date_of_birth",
  "soc_sec_id",
  "year_of_birth",
];

interface Link {
  left: string;
  right: string;
  clusterId: string;
  method: string;
}
interface ReviewItem {
  reviewId: number;
  left: string;
  right: string;
  score: number;
  levels: number[];
  reason: string;
  status: string;
  createdAt: string;
}

async function links(): Promise<Link[]> {
  return (
    await h.client.request<{ pairs: Link[] }>(
      "linker",
      "GET",
      "/v1/links?left=alpha/persons&right=beta/persons",
      auditor,
    )
  ).pairs;
}

async function linkerRecords(): Promise<number> {
  return (await h.client.request<{ records: number }>("linker", "GET", "/v1/stats", auditor))
    .records;
}

const until = <T>(what: string, probe: () => Promise<T | null>) =>
  waitFor(what, probe, 120_000, 300);

/** Uploads `rows` for `agencyName`/persons and waits until the linker holds them. */
async function upload(agencyName: string, rows: Row[]): Promise<void> {
  const before = await linkerRecords();
  const csv = [COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((c) => r[c] ?? "").join(","))];
  const verdict = await h.client.request<{ accepted: number }>(
    "intake",
    "POST",
    "/v1/datasets/persons/uploads",
    agency(agencyName),
    Readable.from([`${csv.join("\n")}\n`]),
    "text/csv",
  );
  expect(verdict.accepted).toBe(rows.length);
  await until("the linker to take the upload", async () =>
    (await linkerRecords()) >= before + rows.length ? true : null,
  );
}

async function auditRows(action: string, object?: string) {
  const { rows } = await h.pool.query<{
    actor: string;
    role: string;
    object: string;
    details: Record<string, unknown>;
  }>(
    `SELECT actor, role, object, details FROM audit.entries
     WHERE action = $1 AND ($2::text IS NULL OR object = $2) ORDER BY seq`,
    [action, object ?? null],
  );
  return rows;
}

async function waitAudit(action: string, object: string, n = 1) {
  return until(`${n} × ${action} ${object}`, async () => {
    const rows = await auditRows(action, object);
    return rows.length >= n ? rows : null;
  });
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error("expected an HTTP error");
  return error.status;
}

const fromFebrl = (r: Row, recordId: string, changes: Row = {}): Row => ({
  ...r,
  record_id: recordId,
  year_of_birth: /^\d{8}$/.test(r.date_of_birth ?? "") ? (r.date_of_birth ?? "").slice(0, 4) : "",
  ...changes,
});

beforeAll(async () => {
  h = await startHarness("e2e_pprl", 23_000, LIMIT);
}, 600_000);

afterAll(async () => {
  await h?.stop();
});

describe("probabilistic linkage of FEBRL records whose identifier is mistyped", () => {
  it("links every true pair: equal soc_sec_id exactly, mistyped soc_sec_id by PPRL, nothing else", async () => {
    const mistyped = truePairs.filter((p) => !p.exact).length;
    expect(mistyped).toBeGreaterThan(0);
    const found = (await links()).map(({ left, right, method }) => ({ left, right, method }));
    expect(found).toEqual(
      truePairs.map((p) => ({ left: p.left, right: p.right, method: p.exact ? "exact" : "pprl" })),
    );
    expect(h.summary.linkage.truth).toEqual({
      tp: LIMIT,
      fp: 0,
      fn: 0,
      precision: 1,
      recall: 1,
      f1: 1,
      review: 0,
    });
    expect(h.summary.linkage.by_method).toEqual({
      exact: LIMIT - mistyped,
      pprl: mistyped,
    });
  });

  it("audits each probabilistic link with method pprl and its match weight (≥ the link threshold)", async () => {
    for (const p of truePairs.filter((x) => !x.exact)) {
      const object = `alpha/persons/${p.left} beta/persons/${p.right}`;
      const [entry] = await waitAudit("link.decision", object);
      expect(entry?.details.method).toBe("pprl");
      expect(entry?.details.outcome).toBe("link");
      expect(entry?.details.score).toBeGreaterThanOrEqual(4);
    }
  });

  it("keeps encodings, not quasi-identifiers: the linker's tables hold no name or date of birth", async () => {
    const { rows } = await h.pool.query<{ n: number; keys: number }>(
      "SELECT count(*)::int AS n, min(cardinality(blocking_keys))::int AS keys FROM linker.encodings",
    );
    expect(rows[0]?.n).toBe(alpha.size + beta.size);
    const quasi = quasiIdentifierValues([...alpha.values(), ...beta.values()].map(([, r]) => r));
    expect(quasi.names.size).toBeGreaterThan(100);
    expect(quasi.dates.size).toBeGreaterThan(200);
    expect(await scanDatabase(h.pool, ["linker"], new Set(), quasi)).toEqual([]);
  });
});

describe("exact beats probabilistic", () => {
  it("an exact arrival takes the place of a probabilistic partner of its dataset", async () => {
    const pair = truePairs.find((p) => !p.exact) as (typeof truePairs)[number];
    const [, alphaRow] = [...alpha.values()].find(([id]) => id === pair.left) as [string, Row];
    // beta sends a second record carrying the alpha record's soc_sec_id exactly.
    await upload("beta", [
      fromFebrl(alphaRow, "9001", { given_name: "zebulon", surname: "quartermaine" }),
    ]);
    const now = await links();
    expect(
      now.filter((l) => l.left === pair.left).map(({ right, method }) => ({ right, method })),
    ).toEqual([{ right: "9001", method: "exact" }]);
    expect(now.some((l) => l.right === pair.right)).toBe(false);
    const [unlink] = await waitAudit(
      "link.decision",
      `alpha/persons/${pair.left} beta/persons/${pair.right}`,
      2,
    ).then((rows) => rows.filter((r) => r.details.outcome === "unlink"));
    expect(unlink?.details).toMatchObject({ method: "pprl", outcome: "unlink" });
  });
});

describe("clerical review queue", () => {
  const w = weights(PERSON_V1_PARAMETERS);
  const nameOnly = (w[0]?.[3] ?? 0) + (w[1]?.[3] ?? 0);
  let target: { alphaId: string; betaId: string; row: Row };

  beforeAll(async () => {
    // The last true exact pair: nothing above touched it.
    const pair = [...truePairs].reverse().find((p) => p.exact) as (typeof truePairs)[number];
    const [, row] = [...alpha.values()].find(([id]) => id === pair.left) as [string, Row];
    target = { alphaId: pair.left, betaId: pair.right, row };
    // gamma holds the same person by given name and surname only: between the thresholds.
    const { contract } = await h.client.request<{ contract: unknown }>(
      "intake",
      "GET",
      "/v1/datasets/persons",
      agency("alpha"),
    );
    await h.client.request("intake", "PUT", "/v1/datasets/persons", agency("gamma"), contract);
    await upload("gamma", [
      {
        record_id: "g1",
        given_name: row.given_name ?? "",
        surname: row.surname ?? "",
        soc_sec_id: "9999991",
      },
    ]);
  });

  it("lists pending pairs with score and levels for a reviewer, no content", async () => {
    const { pending } = await until("review items", async () => {
      const list = await h.client.request<{ pending: ReviewItem[] }>(
        "linker",
        "GET",
        "/v1/review",
        reviewer,
      );
      return list.pending.length >= 2 ? list : null;
    });
    const levels = [3, 3, -1, -1, -1, -1, -1, -1];
    expect(pending.map(({ reviewId: _, createdAt: __, ...item }) => item)).toEqual([
      {
        left: `alpha/persons/${target.alphaId}`,
        right: "gamma/persons/g1",
        score: nameOnly,
        levels,
        reason: "score",
        status: "pending",
      },
      {
        left: `beta/persons/${target.betaId}`,
        right: "gamma/persons/g1",
        score: nameOnly,
        levels,
        reason: "score",
        status: "pending",
      },
    ]);
    const text = JSON.stringify(pending);
    expect(text).not.toContain(target.row.given_name);
    expect(text).not.toContain(target.row.surname);
    const queued = await waitAudit(
      "link.review",
      `alpha/persons/${target.alphaId} gamma/persons/g1`,
    );
    expect(queued[0]?.details).toEqual({ method: "pprl", score: nameOnly, reason: "score" });
  });

  it("refuses every other role (403) and a missing token (401)", async () => {
    for (const role of ["agency", "researcher", "committee", "auditor", "service"] as const) {
      const as = { sub: `e2e-${role}`, role };
      expect(await statusOf(h.client.request("linker", "GET", "/v1/review", as))).toBe(403);
      expect(
        await statusOf(
          h.client.request("linker", "POST", "/v1/review/1/resolution", as, {
            decision: "link",
            reason: "x",
          }),
        ),
      ).toBe(403);
    }
    expect((await fetch(`${h.urls.linker}/v1/review`)).status).toBe(401);
  });

  it("answers bad input with 400 naming the field, an unknown item with 404", async () => {
    const bad = await h.client
      .request("linker", "POST", "/v1/review/1/resolution", reviewer, {
        decision: "maybe",
        reason: "x",
      })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).status).toBe(400);
    expect(JSON.stringify((bad as ApiError).body)).toContain("decision");
    expect(
      await statusOf(
        h.client.request("linker", "POST", "/v1/review/999999/resolution", reviewer, {
          decision: "no_link",
          reason: "x",
        }),
      ),
    ).toBe(404);
  });

  it("a link resolution links the pair, is audited with the reviewer, and cannot be repeated", async () => {
    const { pending } = await h.client.request<{ pending: ReviewItem[] }>(
      "linker",
      "GET",
      "/v1/review",
      reviewer,
    );
    const [first, second] = pending;
    const resolved = await h.client.request<{
      reviewId: number;
      status: string;
      clusterId: string;
    }>("linker", "POST", `/v1/review/${first?.reviewId}/resolution`, reviewer, {
      decision: "link",
      reason: "same person: names agree, checked against the source",
    });
    const { rows } = await h.pool.query(
      "SELECT cluster_id, linked_by FROM linker.records WHERE agency = 'alpha' AND source_record_id = $1",
      [target.alphaId],
    );
    expect(resolved).toEqual({
      reviewId: first?.reviewId,
      status: "link",
      clusterId: rows[0].cluster_id,
    });
    const gamma = await h.pool.query(
      "SELECT cluster_id, linked_by FROM linker.records WHERE agency = 'gamma'",
    );
    expect(gamma.rows).toEqual([{ cluster_id: rows[0].cluster_id, linked_by: "review" }]);
    const [audit] = await waitAudit("review.resolution", `${first?.left} ${first?.right}`);
    expect(audit).toMatchObject({
      actor: "e2e-reviewer",
      role: "reviewer",
      details: {
        decision: "link",
        reason: "same person: names agree, checked against the source",
        score: nameOnly,
      },
    });
    const decisions = await waitAudit("link.decision", `${first?.left} ${first?.right}`);
    expect(decisions[0]?.details).toMatchObject({ method: "review", outcome: "link" });
    const again = await h.client
      .request("linker", "POST", `/v1/review/${first?.reviewId}/resolution`, reviewer, {
        decision: "no_link",
        reason: "again",
      })
      .catch((e: unknown) => e);
    expect([(again as ApiError).status, (again as ApiError).body]).toEqual([
      409,
      {
        code: "KRP_ERR_CONFLICT",
        message: `review item ${first?.reviewId} is already resolved`,
        details: { reviewId: first?.reviewId, status: "link" },
      },
    ]);
    // The other pair is moot now (same cluster): it left the queue.
    const after = await h.client.request<{ pending: ReviewItem[] }>(
      "linker",
      "GET",
      "/v1/review",
      reviewer,
    );
    expect(after.pending).toEqual([]);
    expect(
      await statusOf(
        h.client.request("linker", "POST", `/v1/review/${second?.reviewId}/resolution`, reviewer, {
          decision: "no_link",
          reason: "already linked through alpha",
        }),
      ),
    ).toBe(404);
  });
});

describe("encodings of another key version or schema", () => {
  let bus: Bus;
  beforeAll(async () => {
    bus = await Bus.connect({
      brokers: KAFKA_BROKERS,
      clientId: "e2e-pprl",
      logger: createLogger("e2e", "warn"),
      namespace: h.namespace,
    });
  });
  afterAll(async () => {
    await bus?.close();
  });

  it("are refused and audited; the record still links exactly", async () => {
    const { rows } = await h.pool.query<{
      key_version: number;
      key_id: string;
      keyring_fingerprint: string;
    }>(
      "SELECT key_version, key_id, keyring_fingerprint FROM linker.records WHERE agency = 'alpha' LIMIT 1",
    );
    const key = rows[0] as { key_version: number; key_id: string; keyring_fingerprint: string };
    const before = await linkerRecords();
    const make = (id: string, schemaId: string, keyVersion: number) => ({
      key: id,
      value: encodeEvent("PseudonymisedRecord", {
        agency: "delta",
        dataset: "persons",
        sourceRecordId: id,
        version: 1,
        linkagePseudonym: id.padEnd(64, "0"),
        keyVersion: key.key_version,
        keyringFingerprint: key.keyring_fingerprint,
        variables: {},
        uploadId: "e2e",
        withdrawn: false,
        keyId: key.key_id,
        pprl: {
          schemaId,
          keyVersion,
          filters: new Uint8Array(filtersLength(PERSON_SCHEMA_V1.id)),
          blockingKeys: ["0123456789abcdef"],
        },
      }),
    });
    await bus.publish(TOPICS.pseudonymised, [
      make("d1", PERSON_SCHEMA_V1.id, key.key_version + 1),
      make("d2", "kruispunt-person/v9", key.key_version),
    ]);
    await until("the linker to take both records", async () =>
      (await linkerRecords()) >= before + 2 ? true : null,
    );
    const [v] = await waitAudit("link.refused", "delta/persons/d1");
    expect(v?.details).toEqual({ reason: "KRP_ERR_PPRL_SCHEMA_MISMATCH", method: "pprl" });
    const [s] = await waitAudit("link.refused", "delta/persons/d2");
    expect(s?.details).toEqual({ reason: "KRP_ERR_PPRL_UNKNOWN_SCHEMA", method: "pprl" });
    const stored = await h.pool.query(
      "SELECT count(*)::int AS n FROM linker.encodings WHERE agency = 'delta'",
    );
    expect(stored.rows[0].n).toBe(0);
    const linked = await h.pool.query(
      "SELECT source_record_id, cluster_id, linked_by FROM linker.records WHERE agency = 'delta' ORDER BY 1",
    );
    expect(linked.rows).toEqual([
      { source_record_id: "d1", cluster_id: "d1".padEnd(64, "0"), linked_by: "exact" },
      { source_record_id: "d2", cluster_id: "d2".padEnd(64, "0"), linked_by: "exact" },
    ]);
  });
});
