/**
 * End to end over real Kafka and PostgreSQL: research release (issue 6) on the first
 * 500 FEBRL 4 pairs linked by the main job. Every role against every release
 * endpoint; bad input, each a 4xx naming its field; withdrawal, expiry and another
 * project's extract refused; a birth-year cohort checked against the FEBRL files; a
 * record-layout extract fetched, verified and decrypted with the member's key, whose
 * Parquet file reads back with exactly the CSV's values; every download audited.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ApiError,
  createMemberKeyFile,
  fetchExtract,
  readMemberKeyFile,
  yearOfBirth,
} from "@kruispunt/cli";
import { parse } from "csv-parse/sync";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, startHarness } from "./harness";

let harness: Harness;
const memberA = { sub: "researcher-demo", role: "researcher" as const };
const memberB = { sub: "researcher-b", role: "researcher" as const };
const outsider = { sub: "eve", role: "researcher" as const };
const committee = { sub: "committee-e2e", role: "committee" as const };
const auditor = { sub: "auditor-e2e", role: "auditor" as const };
let keyA: string;
let keyB: string;
let projectA: string;
let extractA: string;

const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: unknown) => (e as ApiError).status,
  );
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: unknown) => e as ApiError,
  );

/** A project over alpha ∩ beta with the demo's three variables; `over` replaces fields. */
function spec(members: { name: string; publicKey: string }[], over: Record<string, unknown> = {}) {
  return {
    title: "Release e2e",
    purpose: "Test the research release",
    legalBasis: "GDPR art. 6(1)(e) and 9(2)(j)",
    variables: [
      { dataset: "alpha/persons", name: "state", as: "state", hierarchy: "categorical" },
      {
        dataset: "alpha/persons",
        name: "year_of_birth",
        as: "year_of_birth",
        hierarchy: "yearOfBirth",
      },
      {
        dataset: "beta/persons",
        name: "postcode",
        as: "postcode_region",
        hierarchy: "postcodeRegion",
      },
    ],
    cohort: { allOf: ["alpha/persons", "beta/persons"] },
    quasiIdentifiers: ["state", "year_of_birth", "postcode_region"],
    k: 10,
    maxSuppressedShare: 0.05,
    expiresAt: new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString(),
    members,
    ...over,
  };
}

const file = (as: typeof memberA, body: unknown) =>
  harness.client.request<{ projectId: string }>("release", "POST", "/v1/projects", as, body);
const decide = (id: string, decision: string, reference: string, extra = {}) =>
  harness.client.request("release", "POST", `/v1/projects/${id}/decision`, committee, {
    decision,
    reference,
    ...extra,
  });
const extract = (id: string, as: typeof memberA, body: unknown = {}) =>
  harness.client.request<{ extractId: string; rows: number; persons: number; suppressed: number }>(
    "release",
    "POST",
    `/v1/projects/${id}/extracts`,
    as,
    body,
  );
/** A fresh approved project whose only member is `member` (key `publicKey`). */
async function approved(member: string, publicKey: string, over: Record<string, unknown> = {}) {
  const { projectId } = await file(
    { sub: member, role: "researcher" },
    spec([{ name: member, publicKey }], over),
  );
  await decide(projectId, "approve", `REF/${projectId}`);
  return projectId;
}

beforeAll(async () => {
  harness = await startHarness("e2e_release", 21_000, 500);
  keyA = join(harness.outDir, "researcher-demo.key.json");
  keyB = join(harness.outDir, "researcher-b.key.json");
  await createMemberKeyFile(keyB, memberB.sub);
  projectA = harness.summary.extract.project;
  const list = await harness.client.request<{ extracts: { extractId: string }[] }>(
    "release",
    "GET",
    `/v1/projects/${projectA}/extracts`,
    memberA,
  );
  extractA = list.extracts[0]?.extractId as string;
}, 600_000);

afterAll(async () => {
  await harness?.stop();
});

describe("authorisation: each role against each release endpoint", () => {
  it("answers exactly as the table says", async () => {
    const none = null;
    const agency = { sub: "alpha", role: "agency" as const };
    const service = { sub: "linker", role: "service" as const };
    const roles = { none, agency, service, auditor, committee, memberA, outsider } as const;
    const pkA = readMemberKeyFile(keyA).publicKey;
    const base = `/v1/projects/${projectA}`;
    // [method, path, body, expected status per role in the order of `roles`]; 200 = any 2xx.
    const table: [string, string, unknown, number[]][] = [
      [
        "POST",
        "/v1/projects",
        spec([{ name: memberA.sub, publicKey: pkA }]),
        [401, 403, 403, 403, 403, 200, 400],
      ],
      ["GET", base, undefined, [401, 403, 403, 200, 200, 200, 403]],
      [
        "POST",
        `${base}/decision`,
        { decision: "approve", reference: "again" },
        [401, 403, 403, 403, 409, 403, 403],
      ],
      ["POST", `${base}/extracts`, {}, [401, 403, 403, 403, 403, 200, 403]],
      ["GET", `${base}/extracts`, undefined, [401, 403, 403, 403, 403, 200, 403]],
      ["GET", `${base}/extracts/${extractA}`, undefined, [401, 403, 403, 403, 403, 200, 403]],
      [
        "GET",
        `${base}/extracts/${extractA}/files/extract.csv`,
        undefined,
        [401, 403, 403, 403, 403, 200, 403],
      ],
      ["GET", "/v1/stats", undefined, [401, 403, 200, 200, 403, 403, 403]],
      [
        "GET",
        `/v1/linkage-log?linkagePseudonym=${"0".repeat(64)}`,
        undefined,
        [401, 403, 403, 200, 403, 403, 403],
      ],
    ];
    const got: Record<string, Record<string, number>> = {};
    const want: Record<string, Record<string, number>> = {};
    for (const [method, path, body, expected] of table) {
      const row = `${method} ${path.replace(projectA, ":id").replace(extractA, ":extractId")}`;
      got[row] = {};
      want[row] = {};
      for (const [i, [name, as]] of Object.entries(roles).entries()) {
        const code =
          as === null
            ? (
                await fetch(`${harness.urls.release}${path}`, {
                  method,
                  headers: body ? { "content-type": "application/json" } : {},
                  body: body ? JSON.stringify(body) : undefined,
                })
              ).status
            : await status(harness.client.request("release", method, path, as, body));
        (got[row] as Record<string, number>)[name] = code;
        (want[row] as Record<string, number>)[name] = expected[i] as number;
      }
    }
    expect(got).toEqual(want);
  });
});

describe("bad input: a 4xx naming the field", () => {
  const pk = () => readMemberKeyFile(keyA).publicKey;
  const issue = async (body: unknown) => {
    const e = await failure(file(memberA, body));
    return [e.status, (e.body as { message: string }).message];
  };

  it("an unknown variable", async () => {
    const variables = [
      { dataset: "alpha/persons", name: "shoe_size", as: "shoe", hierarchy: "categorical" },
    ];
    expect(
      await issue(
        spec([{ name: memberA.sub, publicKey: pk() }], { variables, quasiIdentifiers: [] }),
      ),
    ).toEqual([
      400,
      "the project names what the catalogue lacks: variables.0: the catalogue has no variable alpha/persons/shoe_size",
    ]);
  });

  it("k < 2", async () => {
    expect(await issue(spec([{ name: memberA.sub, publicKey: pk() }], { k: 1 }))).toEqual([
      400,
      "the project is invalid: k: k must be at least 2",
    ]);
  });

  it("a malformed public key", async () => {
    for (const bad of [
      "",
      "not-a-key",
      `${pk()}A`,
      Buffer.alloc(32).toString("base64"),
      "A".repeat(43),
    ]) {
      expect(await issue(spec([{ name: memberA.sub, publicKey: bad }]))).toEqual([
        400,
        "the project is invalid: members.0.publicKey: must be 43 base64url characters of a usable 32-byte X25519 public key",
      ]);
    }
  });

  it("an expiry in the past, and a filer who is not a member", async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    expect(
      await issue(spec([{ name: memberA.sub, publicKey: pk() }], { expiresAt: past })),
    ).toEqual([400, "the project is invalid: expiresAt: must lie in the future"]);
    expect(await issue(spec([{ name: "someone", publicKey: pk() }]))).toEqual([
      400,
      "the project is invalid: members: must include the filing researcher researcher-demo",
    ]);
  });

  it("a variable not approved, and one the project never asked for", async () => {
    const { projectId } = await file(memberA, spec([{ name: memberA.sub, publicKey: pk() }]));
    const refused = await failure(
      decide(projectId, "approve", "R/1", { variables: ["state", "shoe"] }),
    );
    expect([refused.status, (refused.body as { message: string }).message]).toEqual([
      400,
      "the decision is invalid: variables.1: unknown variable shoe: not requested by the project",
    ]);
    await decide(projectId, "approve", "R/1", { variables: ["state", "year_of_birth"] });
    const e = await failure(
      extract(projectId, memberA, { variables: ["state", "postcode_region"] }),
    );
    expect([e.status, (e.body as { message: string }).message]).toEqual([
      400,
      "the extract request is invalid: variables.1: variable postcode_region is not approved for this project",
    ]);
    const u = await failure(extract(projectId, memberA, { variables: ["height"] }));
    expect((u.body as { message: string }).message).toBe(
      "the extract request is invalid: variables.0: unknown variable height: the project did not request it",
    );
    // Without a list, the extract holds exactly the approved columns.
    const ok = await extract(projectId, memberA);
    const out = join(harness.outDir, "approved-only");
    await fetchExtract({
      client: harness.client,
      projectId,
      key: readMemberKeyFile(keyA),
      outDir: out,
    });
    const header = readFileSync(join(out, "extract.csv"), "utf8").split("\n")[0];
    expect(header).toBe("project_pseudonym,state,year_of_birth");
    // Persons 0–499 each have a record in both files, all linked (exact or PPRL).
    expect(ok.persons).toBe(500);
  });

  it("a cohort with 0 persons", async () => {
    const born = { dataset: "alpha/persons", name: "year_of_birth", from: 1800, to: 1801 };
    const id = await approved(memberA.sub, pk(), {
      cohort: { allOf: ["alpha/persons", "beta/persons"], born },
    });
    const e = await failure(extract(id, memberA));
    expect([e.status, (e.body as { message: string }).message]).toEqual([
      422,
      "cohort: no person matches it (0 persons), so there is nothing to release",
    ]);
  });

  it("an expired project: no extract, no download", async () => {
    const id = await approved(memberA.sub, pk());
    const built = await extract(id, memberA);
    await harness.pool.query(
      "UPDATE release.projects SET expires_at = '2020-01-01T00:00:00Z' WHERE project_id = $1",
      [id],
    );
    const e = await failure(extract(id, memberA));
    expect([e.status, (e.body as { message: string }).message]).toEqual([
      409,
      "expiresAt: the project expired at 2020-01-01T00:00:00.000Z",
    ]);
    expect((e.body as { details: unknown }).details).toEqual({
      projectId: id,
      field: "expiresAt",
      expiresAt: "2020-01-01T00:00:00.000Z",
    });
    const d = await failure(
      harness.client.request(
        "release",
        "GET",
        `/v1/projects/${id}/extracts/${built.extractId}`,
        memberA,
      ),
    );
    expect(d.status).toBe(409);
  });
});

describe("each 403 and 409 names what it refused in details", () => {
  it("another role, a non-member, a decision on a decided project, a filer deciding", async () => {
    const details = async (p: Promise<unknown>) => {
      const e = await failure(p);
      const body = e.body as { code: string; details: unknown };
      return [e.status, body.code, body.details];
    };
    expect(await details(harness.client.request("release", "GET", "/v1/stats", memberA))).toEqual([
      403,
      "KRP_ERR_FORBIDDEN",
      { role: "researcher", allowedRoles: ["auditor", "service"] },
    ]);
    expect(
      await details(harness.client.request("release", "GET", `/v1/projects/${projectA}`, outsider)),
    ).toEqual([403, "KRP_ERR_FORBIDDEN", { projectId: projectA, action: "read it" }]);
    expect(await details(decide(projectA, "approve", "again"))).toEqual([
      409,
      "KRP_ERR_CONFLICT",
      { projectId: projectA, field: "status", status: "approved", decision: "approve" },
    ]);
    // The committee member files a project of its own: it may not decide on it.
    const pk = readMemberKeyFile(keyA).publicKey;
    const own = await harness.client.request<{ projectId: string }>(
      "release",
      "POST",
      "/v1/projects",
      { sub: committee.sub, role: "researcher" },
      spec([{ name: committee.sub, publicKey: pk }]),
    );
    expect(await details(decide(own.projectId, "approve", "mine"))).toEqual([
      403,
      "KRP_ERR_FORBIDDEN",
      { projectId: own.projectId, decision: "approve" },
    ]);
  });
});

describe("approval, withdrawal, link expiry and other projects", () => {
  it("withdrawal blocks extracting and downloading; links expire; another project's extract is refused", async () => {
    const pkB = readMemberKeyFile(keyB).publicKey;
    const idB = await approved(memberB.sub, pkB);
    const builtB = await extract(idB, memberB);
    // A's member cannot reach B's extract through A's project (not found) nor B's (not a member).
    const viaA = await failure(
      harness.client.request(
        "release",
        "GET",
        `/v1/projects/${projectA}/extracts/${builtB.extractId}`,
        memberA,
      ),
    );
    expect(viaA.status).toBe(404);
    expect(
      await status(
        harness.client.request(
          "release",
          "GET",
          `/v1/projects/${idB}/extracts/${builtB.extractId}`,
          memberA,
        ),
      ),
    ).toBe(403);
    // A's member cannot open B's sealed key either: B's manifest holds no key for A.
    const manifest = await harness.client.request<{ sealedKey: string | null }>(
      "release",
      "GET",
      `/v1/projects/${idB}/extracts/${builtB.extractId}`,
      memberB,
    );
    expect(manifest.sealedKey).toMatch(/^[A-Za-z0-9_-]{107}$/);

    await harness.pool.query(
      "UPDATE release.extracts SET download_expires_at = now() - interval '1 second' WHERE extract_id = $1",
      [builtB.extractId],
    );
    const gone = await failure(
      harness.client.request(
        "release",
        "GET",
        `/v1/projects/${idB}/extracts/${builtB.extractId}`,
        memberB,
      ),
    );
    expect(gone.status).toBe(410);
    expect((gone.body as { code: string }).code).toBe("KRP_ERR_GONE");

    await decide(idB, "withdraw", "REF/withdrawn");
    const again = await failure(extract(idB, memberB));
    expect([again.status, (again.body as { message: string }).message]).toEqual([
      409,
      "status: project is withdrawn, not approved",
    ]);
    expect((again.body as { details: unknown }).details).toEqual({
      projectId: idB,
      field: "status",
      status: "withdrawn",
    });
    expect(
      await status(
        harness.client.request("release", "GET", `/v1/projects/${idB}/extracts`, memberB),
      ),
    ).toBe(200);
  });
});

describe("cohort and layout", () => {
  /**
   * Persons N < 500 (each in both files, all linked: exact or PPRL) whose alpha
   * date_of_birth is a calendar date (alpha then sends its year as year_of_birth) with
   * the year in [from, to].
   */
  function febrlBorn(from: number, to: number): number {
    const read = (f: string) =>
      new Map(
        readFileSync(join(FEBRL_DIR, f), "utf8")
          .trim()
          .split("\n")
          .slice(1)
          .map((line) => line.split(",").map((c) => c.trim()))
          .map((c) => [Number((c[0] as string).split("-")[1]), c] as const)
          .filter(([n]) => n < 500),
      );
    const a = read("dataset4a.csv");
    const b = read("dataset4b.csv");
    let n = 0;
    for (const [id, row] of a) {
      const year = yearOfBirth(row[9]);
      if (!b.has(id) || year === "") continue;
      if (Number(year) >= from && Number(year) <= to) n += 1;
    }
    return n;
  }

  it("a birth-year cohort holds exactly the linked persons born 1950–1970 per the FEBRL files", async () => {
    const expected = febrlBorn(1950, 1970);
    expect(expected).toBe(100);
    const born = { dataset: "alpha/persons", name: "year_of_birth", from: 1950, to: 1970 };
    const pk = readMemberKeyFile(keyA).publicKey;
    const id = await approved(memberA.sub, pk, {
      cohort: { allOf: ["alpha/persons", "beta/persons"], born },
      maxSuppressedShare: 0.2,
    });
    const built = await extract(id, memberA);
    expect(built.persons).toBe(expected);
  });

  it("one row per record: fetched, verified, decrypted; Parquet reads back with the CSV's exact values", async () => {
    const pk = readMemberKeyFile(keyA).publicKey;
    const id = await approved(memberA.sub, pk);
    const built = await extract(id, memberA, { layout: "record" });
    // One-to-one linkage: every released person has one alpha and one beta record.
    expect(built.rows).toBe(2 * (500 - built.suppressed));
    const out = join(harness.outDir, "record-layout");
    const fetched = await fetchExtract({
      client: harness.client,
      projectId: id,
      key: readMemberKeyFile(keyA),
      outDir: out,
    });
    expect(Object.keys(fetched.files).sort()).toEqual([
      "codebook.json",
      "extract.csv",
      "extract.parquet",
    ]);
    const csv = parse(readFileSync(join(out, "extract.csv")), { columns: true }) as Record<
      string,
      string
    >[];
    expect(csv).toHaveLength(built.rows);
    expect(Object.keys(csv[0] ?? {})).toEqual([
      "project_pseudonym",
      "dataset",
      "state",
      "year_of_birth",
      "postcode_region",
    ]);
    const bytes = readFileSync(join(out, "extract.parquet"));
    const parquet = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    });
    // CSV writes null as an empty cell; no released value is the empty string.
    expect(
      parquet.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ?? ""]))),
    ).toEqual(csv);
    // Rows come in project-pseudonym order; a person's alpha record precedes their beta record.
    expect(csv.map((r) => r.project_pseudonym)).toEqual(
      [...csv.map((r) => r.project_pseudonym)].sort(),
    );
    expect(csv.slice(0, 2).map((r) => r.dataset)).toEqual(["alpha/persons", "beta/persons"]);
    // Non-QI variables sit on their dataset's row only; the person's QIs on both.
    const codebook = JSON.parse(readFileSync(join(out, "codebook.json"), "utf8"));
    expect(codebook.fileDscr[0].fileTxt.dimensns).toEqual({ caseQnty: built.rows, varQnty: 5 });
    expect(codebook.disclosureControl.report.suppressed).toBe(built.suppressed);
    expect(codebook.provenance).toEqual([
      {
        dataset: "alpha/persons",
        recordsReleased: built.rows / 2,
        variables: ["state", "year_of_birth"],
      },
      { dataset: "beta/persons", recordsReleased: built.rows / 2, variables: ["postcode"] },
    ]);
  });

  it("a member's own key is needed: another member key pair cannot open the extract", async () => {
    const e = await fetchExtract({
      client: harness.client,
      projectId: projectA,
      extractId: extractA,
      key: { ...readMemberKeyFile(keyB), name: memberA.sub },
      outDir: join(harness.outDir, "wrong-key"),
    }).catch((error: unknown) => error as Error);
    expect((e as Error).message).toBe("the sealed file key does not open with this key pair");
  });
});

describe("audit", () => {
  it("audits every download and every transition", async () => {
    let byAction: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      const { rows } = await harness.pool.query<{ action: string; n: number }>(
        "SELECT action, count(*)::int AS n FROM audit.entries WHERE action LIKE 'release.%' OR action LIKE 'project.%' GROUP BY action",
      );
      byAction = Object.fromEntries(rows.map((r) => [r.action, r.n]));
      const seen = (action: string, n: number) => (byAction[action] ?? 0) >= n;
      if (seen("project.withdraw", 1) && seen("project.approve", 7) && seen("release.download", 16))
        break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(byAction["project.withdraw"]).toBe(1);
    // The main job's, and one per approved project of this file.
    expect(byAction["project.approve"]).toBe(7);
    const downloads = await harness.pool.query<{ file: string; n: number }>(
      "SELECT details->>'file' AS file, count(*)::int AS n FROM audit.entries WHERE action = 'release.download' GROUP BY 1 ORDER BY 1",
    );
    // Every fetch (main job, approved-only, record layout) reads the manifest, then the
    // three files; the role table read one more manifest and CSV, the wrong-key fetch
    // and project B's check one more manifest each.
    const counts = Object.fromEntries(downloads.rows.map((r) => [r.file, r.n]));
    const fetches = counts["codebook.json"] as number;
    expect(fetches).toBe(3);
    expect(counts).toEqual({
      "codebook.json": fetches,
      "extract.parquet": fetches,
      "extract.csv": fetches + 1,
      manifest: fetches + 3,
    });
  });
});
