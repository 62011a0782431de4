/**
 * End to end over real Kafka and PostgreSQL (issue 9): the main job on FEBRL 4
 * persons 0–299 with its catalogue, quality and error-report steps, the DCAT-AP
 * export checked against the SEMIC context, and every role against every new
 * endpoint (table-driven).
 */
import type { Claims } from "@kruispunt/auth";
import type { Summary } from "@kruispunt/cli";
import { cryptoReady, generateMemberKeyPair } from "@kruispunt/crypto";
import { validateDcat } from "@kruispunt/intake";
import type { ServiceName } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness";

let harness: Harness;
let summary: Summary;

beforeAll(async () => {
  harness = await startHarness("e2e_catalogue", 14_000, 300);
  summary = harness.summary;
});

afterAll(async () => {
  await harness?.stop();
});

/** Status and JSON body of a request as `as` (null: no token). */
async function call(
  service: ServiceName,
  method: string,
  path: string,
  as: Claims | null,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${harness.urls[service]}${path}`, {
    method,
    headers: {
      ...(as ? { authorization: `Bearer ${harness.client.token(as)}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}

const ROLES: Record<string, Claims | null> = {
  none: null,
  alpha: { sub: "alpha", role: "agency" },
  beta: { sub: "beta", role: "agency" },
  owner: { sub: "researcher-demo", role: "researcher" },
  otherResearcher: { sub: "researcher-other", role: "researcher" },
  committee: { sub: "committee-demo", role: "committee" },
  auditor: { sub: "auditor-demo", role: "auditor" },
  service: { sub: "some-service", role: "service" },
};

describe("findability and data quality in the main job (FEBRL 4 persons 0–299)", () => {
  it("publishes one catalogue entry per dataset and finds both by a variable name", () => {
    expect(summary.catalogue.entries).toEqual(["alpha/persons", "beta/persons"]);
    expect(summary.catalogue.search).toEqual({
      query: "postcode",
      hits: ["alpha/persons", "beta/persons"],
    });
  });

  it("reports each dataset's quality with the alpha↔beta linkage rate the linker found", () => {
    const linked = summary.linkage.linked_pairs;
    for (const [name, other] of [
      ["alpha", "beta/persons"],
      ["beta", "alpha/persons"],
    ] as const) {
      const q = summary.quality[name];
      expect(q?.identifier_valid_rate).toBe(1);
      expect(q?.duplicate_identifier_records).toBe(0);
      expect(q?.completeness).toMatchObject({
        soc_sec_id: expect.any(Number),
        record_id: 1,
        state: expect.any(Number),
      });
      expect(q?.linkage.map((l) => [l.dataset, l.linked, l.rate])).toEqual([
        [other, linked, Math.round((linked / 300) * 10_000) / 10_000],
      ]);
      expect(q?.linkage[0]?.byMethod.exact).toBeGreaterThan(0);
    }
  });

  it("routes the researcher's error report to beta as beta's own record, and brings the answer back", () => {
    expect(summary.error_report).toMatchObject({
      routed_to: "beta",
      dataset: "beta/persons",
      source_records: 1,
      outcome: "confirmed",
      answer_seen_by_researcher: true,
      project_pseudonym_seen_by_agency: false,
    });
  });

  it("shows beta which project received its postcode, for every released person", () => {
    expect(summary.usage.beta).toEqual([
      {
        project: summary.extract.project,
        variables: ["beta/persons/postcode"],
        persons: summary.extract.rows,
      },
    ]);
  });

  it("exports DCAT-AP JSON-LD that expands against the SEMIC context with every mandatory property", async () => {
    const { status, body } = await call("intake", "GET", "/v1/catalogue/dcat", null);
    expect(status).toBe(200);
    const { nodes, problems } = await validateDcat(body as object);
    expect(problems).toEqual([]);
    const datasets = nodes.filter((n) => n["@type"]?.includes("http://www.w3.org/ns/dcat#Dataset"));
    expect(datasets.map((d) => d["@id"]).sort()).toEqual([
      `${harness.urls.intake}/v1/catalogue/alpha/persons`,
      `${harness.urls.intake}/v1/catalogue/beta/persons`,
    ]);
  });
});

/** A project member's public key (release refuses a project without members). */
async function memberPublicKey(): Promise<string> {
  await cryptoReady();
  return generateMemberKeyPair().publicKey;
}

describe("the catalogue decides what a project may ask for", () => {
  it("refuses a project naming a variable the catalogue lacks, naming it", async () => {
    const { status, body } = await call("release", "POST", "/v1/projects", ROLES.owner ?? null, {
      title: "Unknown variable",
      purpose: "test",
      legalBasis: "test basis",
      variables: [
        { dataset: "alpha/persons", name: "state", as: "state", hierarchy: "categorical" },
        { dataset: "beta/persons", name: "income", as: "income", hierarchy: "categorical" },
      ],
      cohort: { allOf: ["alpha/persons", "gamma/persons"] },
      quasiIdentifiers: ["state"],
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      members: [{ name: "researcher-demo", publicKey: await memberPublicKey() }],
    });
    expect(status).toBe(400);
    expect((body as { details: { issues: string[] } }).details.issues).toEqual([
      "variables.1: the catalogue has no variable beta/persons/income",
      "cohort.allOf.1: the catalogue has no dataset gamma/persons",
    ]);
  });
});

describe("every role against every issue-9 endpoint", () => {
  const project = () => summary.extract.project;
  const cohortReport = { cohort: true, variable: "postcode_region", description: "cohort check" };
  const metadata = {
    title: "Persons register",
    legalBasis: "GDPR art. 6(1)(e)",
    updateFrequency: "monthly",
  };
  // Expected status per role, in ROLES order: none, alpha, beta, owner, otherResearcher, committee, auditor, service.
  const readers = [401, 200, 200, 200, 200, 200, 200, 200];
  const agencyOnly = [401, 200, 200, 403, 403, 403, 403, 403];
  const ownerOnly = [401, 403, 403, 200, 403, 403, 403, 403];
  const cases: [string, ServiceName, string, () => string, number[], unknown?][] = [
    [
      "publish catalogue metadata",
      "intake",
      "PUT",
      () => "/v1/datasets/persons/catalogue",
      agencyOnly,
      metadata,
    ],
    ["list the catalogue", "intake", "GET", () => "/v1/catalogue", readers],
    ["search the catalogue", "intake", "GET", () => "/v1/catalogue/search?q=birth%20date", readers],
    ["read an entry", "intake", "GET", () => "/v1/catalogue/beta/persons", readers],
    [
      "DCAT-AP export (public)",
      "intake",
      "GET",
      () => "/v1/catalogue/dcat",
      [200, 200, 200, 200, 200, 200, 200, 200],
    ],
    ["dataset quality report", "intake", "GET", () => "/v1/datasets/persons/quality", agencyOnly],
    [
      "linker quality counts",
      "linker",
      "GET",
      () => "/v1/quality/datasets",
      [401, 403, 403, 403, 403, 403, 403, 200],
    ],
    [
      "file an error report",
      "release",
      "POST",
      () => `/v1/projects/${project()}/error-reports`,
      [401, 403, 403, 201, 403, 403, 403, 403],
      cohortReport,
    ],
    [
      "read the project's error reports",
      "release",
      "GET",
      () => `/v1/projects/${project()}/error-reports`,
      ownerOnly,
    ],
    ["agency inbox of error reports", "release", "GET", () => "/v1/error-reports", agencyOnly],
    ["usage transparency", "release", "GET", () => "/v1/usage", agencyOnly],
  ];
  it.each(cases)("%s", async (_what, service, method, path, expected, body) => {
    const got: number[] = [];
    for (const as of Object.values(ROLES))
      got.push((await call(service, method, path(), as, body)).status);
    expect(got).toEqual(expected);
  });

  it("an upload's quality report: its agency only, 403 for the other agency", async () => {
    const upload = summary.quality.alpha?.upload;
    const got: number[] = [];
    for (const as of Object.values(ROLES))
      got.push((await call("intake", "GET", `/v1/uploads/${upload}/quality`, as)).status);
    expect(got).toEqual([401, 200, 403, 403, 403, 403, 403, 403]);
  });

  it("answering a report: the owning agency only, once; 'corrected' needs a newer record version", async () => {
    const person = await call(
      "release",
      "POST",
      `/v1/projects/${project()}/error-reports`,
      ROLES.owner ?? null,
      {
        cohort: true,
        variable: "state",
        description: "state looks odd",
      },
    );
    expect(person.status).toBe(201);
    const reportId = (person.body as { reportId: string }).reportId;
    const answer = (outcome: string) => ({ outcome, comment: "checked" });
    const path = `/v1/error-reports/${reportId}/answer`;
    const got: number[] = [];
    for (const [name, as] of Object.entries(ROLES))
      if (name !== "alpha")
        got.push((await call("release", "POST", path, as, answer("confirmed"))).status);
    // none, beta (not the owner: state is alpha's), owner, other researcher, committee, auditor, service
    expect(got).toEqual([401, 403, 403, 403, 403, 403, 403]);
    expect(
      (await call("release", "POST", path, ROLES.alpha ?? null, answer("corrected"))).status,
    ).toBe(409);
    expect(
      (await call("release", "POST", path, ROLES.alpha ?? null, answer("rejected"))).status,
    ).toBe(200);
    expect(
      (await call("release", "POST", path, ROLES.alpha ?? null, answer("confirmed"))).status,
    ).toBe(409);
  });

  it("an agency's inbox holds only its own reports, by its own record ids, never a project pseudonym", async () => {
    const beta = (await call("release", "GET", "/v1/error-reports", ROLES.beta ?? null)).body as {
      reports: Record<string, unknown>[];
    };
    const alpha = (await call("release", "GET", "/v1/error-reports", ROLES.alpha ?? null)).body as {
      reports: Record<string, unknown>[];
    };
    expect(beta.reports.every((r) => r.dataset === "persons" && r.variable === "postcode")).toBe(
      true,
    );
    expect(alpha.reports.map((r) => r.variable)).toEqual(["state"]);
    const researcherView = (
      await call("release", "GET", `/v1/projects/${project()}/error-reports`, ROLES.owner ?? null)
    ).body as { reports: { projectPseudonym: string | null }[] };
    const pseudonyms = researcherView.reports.flatMap((r) =>
      r.projectPseudonym ? [r.projectPseudonym] : [],
    );
    expect(pseudonyms).toHaveLength(1);
    for (const p of pseudonyms) {
      expect(JSON.stringify(beta)).not.toContain(p);
      expect(JSON.stringify(alpha)).not.toContain(p);
    }
    const person = beta.reports.find((r) => r.scope === "person");
    expect((person?.sourceRecordIds as string[]).length).toBe(1);
  });
});

describe("hostile input to the issue-9 endpoints gets a 4xx naming the field", () => {
  const alpha = () => ROLES.alpha ?? null;
  const owner = () => ROLES.owner ?? null;
  const reports = () => `/v1/projects/${summary.extract.project}/error-reports`;
  const issues = (body: unknown) =>
    ((body as { details?: { issues?: { path: string }[] } }).details?.issues ?? []).map(
      (i) => i.path,
    );

  it("catalogue metadata", async () => {
    const missing = await call("intake", "PUT", "/v1/datasets/persons/catalogue", alpha(), {
      title: "x",
      extra: 1,
    });
    expect(missing.status).toBe(400);
    expect(issues(missing.body).sort()).toEqual(["", "legalBasis", "title"]);
    const notADate = await call("intake", "PUT", "/v1/datasets/persons/catalogue", alpha(), {
      title: "Persons",
      legalBasis: "GDPR art. 6",
      recordDateVariable: "state",
    });
    expect(notADate.status).toBe(422);
    expect((notADate.body as { message: string }).message).toContain("recordDateVariable");
    expect(
      (
        await call("intake", "PUT", "/v1/datasets/nothing/catalogue", alpha(), {
          title: "Persons",
          legalBasis: "GDPR",
        })
      ).status,
    ).toBe(404);
  });

  it("catalogue search and entries", async () => {
    expect((await call("intake", "GET", "/v1/catalogue/search?q=", owner())).status).toBe(400);
    expect(
      (await call("intake", "GET", `/v1/catalogue/search?q=${"a".repeat(201)}`, owner())).status,
    ).toBe(400);
    const operators = await call(
      "intake",
      "GET",
      `/v1/catalogue/search?q=${encodeURIComponent("!!(&| :* ' \\")}`,
      owner(),
    );
    expect(operators.status).toBe(200);
    expect((await call("intake", "GET", "/v1/catalogue/ALPHA/persons", owner())).status).toBe(400);
    expect((await call("intake", "GET", "/v1/catalogue/alpha/nothing", owner())).status).toBe(404);
    expect((await call("intake", "GET", "/v1/uploads/not-a-uuid/quality", alpha())).status).toBe(
      400,
    );
  });

  it("error reports and answers", async () => {
    const badPseudonym = await call("release", "POST", reports(), owner(), {
      projectPseudonym: "XYZ",
      variable: "state",
      description: "bad",
    });
    expect(badPseudonym.status).toBe(400);
    expect(issues(badPseudonym.body)).toEqual(["projectPseudonym"]);
    const both = await call("release", "POST", reports(), owner(), {
      projectPseudonym: "0".repeat(64),
      cohort: true,
      variable: "state",
      description: "both",
    });
    expect(both.status).toBe(400);
    const column = await call("release", "POST", reports(), owner(), {
      cohort: true,
      variable: "income",
      description: "no such column",
    });
    expect(column.status).toBe(400);
    expect((column.body as { message: string }).message).toContain('"income"');
    const stranger = await call("release", "POST", reports(), owner(), {
      projectPseudonym: "0".repeat(64),
      variable: "state",
      description: "nobody has it",
    });
    expect(stranger.status).toBe(404);
    expect(
      (
        await call("release", "POST", "/v1/error-reports/nope/answer", alpha(), {
          outcome: "confirmed",
          comment: "x",
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call(
          "release",
          "POST",
          `/v1/error-reports/${summary.error_report.report}/answer`,
          ROLES.beta ?? null,
          {
            outcome: "maybe",
            comment: "x",
          },
        )
      ).status,
    ).toBe(400);
  });
});
