/**
 * Fellegi–Sunter parameters estimated on the deployment's own data (issue 5: "m and u
 * estimated by EM"), end to end over real Kafka and PostgreSQL.
 *
 * The data are synthetic Belgian records (packages/synthetic), not FEBRL: 5,000 per
 * agency, half of beta's copies of alpha's persons (typos in names and street), and one
 * copy in ten with a mistyped INSZ that the contract accepts without identifier
 * (identifier.whenUnusable "link_probabilistically"), so only PPRL can find those pairs.
 * The parameters shipped in packages/pprl were estimated on FEBRL 4, whose postcodes are
 * nearly unique: on these data (48 postcodes, 50 given names per sex) they link different
 * persons who share a postcode and a given name. After `POST
 * /v1/linkage/parameters/estimate` (EM on the store's 6,604 candidate pairs, then every
 * pair scored and every cluster settled again) no false link is left, nearly every hidden
 * pair is still found, and the clerical review queue shrinks (one run: 9 false links, 2
 * true pairs missed and 12 pairs in review with the shipped parameters; 0, 0 and 0 after).
 * Each PPRL key is random, so a borderline pair may move from run to run: the test asserts
 * the bounds, and the exact counts that do not depend on the key.
 */
import { Readable } from "node:stream";
import { ApiError, type ParameterEstimate, reviewCommand, runEstimate } from "@kruispunt/cli";
import {
  COLUMNS,
  csvField,
  generateRows,
  SYNTHETIC_CONTRACT,
  type SyntheticRow,
} from "@kruispunt/synthetic";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, waitFor } from "./harness";

const PER_AGENCY = 5_000;
const rows = [
  ...generateRows({ count: PER_AGENCY, seed: 7, agencies: 2, identifierErrorRate: 0.1 }),
];
const ofAgency = (agency: "a" | "b") => rows.filter((r) => r.agency === agency);
/** The true pairs "alpha id/beta id": every copy, whether its INSZ survived or not. */
const truth = new Set(
  rows.flatMap((r) => (r.duplicateOf ? [`${r.duplicateOf}/${r.record.record_id}`] : [])),
);
const csv = (list: SyntheticRow[]) =>
  `${[COLUMNS.join(","), ...list.map((r) => COLUMNS.map((c) => csvField(r.record[c])).join(","))].join("\r\n")}\r\n`;

const agency = (sub: string) => ({ sub, role: "agency" as const });
const auditor = { sub: "e2e-auditor", role: "auditor" as const };
const reviewer = { sub: "e2e-reviewer", role: "reviewer" as const };

let h: Stack;

interface Parameters {
  version: number;
  pairs: number | null;
  p: number;
  fields: { name: string; m: number[]; u: number[]; weights: number[] }[];
}
async function quality() {
  const { pairs } = await h.client.request<{ pairs: { left: string; right: string }[] }>(
    "linker",
    "GET",
    "/v1/links?left=alpha/persons&right=beta/persons",
    auditor,
  );
  const tp = pairs.filter((p) => truth.has(`${p.left}/${p.right}`)).length;
  const stats = await h.client.request<{ reviewPending: number }>(
    "linker",
    "GET",
    "/v1/stats",
    auditor,
  );
  return { tp, fp: pairs.length - tp, fn: truth.size - tp, review: stats.reviewPending };
}

/** Starts an estimate as the reviewer and waits for it to end (it runs in the background). */
const estimate = () => runEstimate(h.client, reviewer);
const auditCount = async (action: string) =>
  (
    await h.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit.entries WHERE action = $1",
      [action],
    )
  ).rows[0]?.n ?? 0;

let refusedBeforeData: ParameterEstimate;
let shipped: Awaited<ReturnType<typeof quality>>;
let first: ParameterEstimate;
let afterFirst: Awaited<ReturnType<typeof quality>>;

beforeAll(async () => {
  h = await startStack({ name: "e2e_fs_em", portOffset: 8_000 });
  refusedBeforeData = await estimate();
  const contract = {
    ...SYNTHETIC_CONTRACT,
    identifier: { ...SYNTHETIC_CONTRACT.identifier, whenUnusable: "link_probabilistically" },
  };
  for (const [sub, list] of [
    ["alpha", ofAgency("a")],
    ["beta", ofAgency("b")],
  ] as const) {
    await h.client.request("intake", "PUT", "/v1/datasets/persons", agency(sub), contract);
    const summary = await h.client.request<{ accepted: number; refused: number }>(
      "intake",
      "POST",
      "/v1/datasets/persons/uploads",
      agency(sub),
      Readable.from([csv(list)]),
      "text/csv",
    );
    expect(summary).toMatchObject({ accepted: PER_AGENCY, refused: 0 });
  }
  await waitFor(
    "the linker to hold every record",
    async () =>
      (await h.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM linker.records")).rows[0]
        ?.n ===
      2 * PER_AGENCY,
    300_000,
  );
  shipped = await quality();
  first = await estimate();
  afterFirst = await quality();
}, 900_000);

afterAll(async () => {
  await h?.stop();
});

describe("estimating m and u by EM on the deployment's own candidate pairs", () => {
  it("refuses, saying why, while there is nothing to estimate from", () => {
    expect(refusedBeforeData).toMatchObject({
      status: "refused",
      version: null,
      result: null,
      reason: "no record with a PPRL encoding yet: nothing to estimate from",
    });
  });

  it("shows false links with the parameters shipped from FEBRL 4 (the defect this fixes)", () => {
    expect(truth.size).toBe(2_457);
    expect(shipped.fp).toBeGreaterThan(0);
    expect(shipped.review).toBeGreaterThan(5);
  });

  it("stores the estimate as version 1, from every candidate pair, with local frequencies", async () => {
    expect(first).toMatchObject({ status: "done", version: 1, reason: null });
    expect(first.result?.pairs).toBe(6_604);
    const current = await h.client.request<Parameters>(
      "linker",
      "GET",
      "/v1/linkage/parameters",
      auditor,
    );
    expect(current).toMatchObject({ version: 1, pairs: 6_604, patterns: first.result?.patterns });
    const postcode = current.fields.find((f) => f.name === "postcode");
    // FEBRL 4's postcode agreement weighs +5.7; 48 skewed postcodes make it far weaker.
    expect(postcode?.weights[3]).toBeLessThan(5);
  });

  it("ends every false link, keeps nearly every true pair and shrinks the review queue", () => {
    expect(afterFirst.fp).toBe(0);
    expect(afterFirst.fn).toBeLessThanOrEqual(5);
    expect(afterFirst.review).toBeLessThanOrEqual(5);
    expect(first.result?.unlinks).toBeGreaterThanOrEqual(shipped.fp);
  });

  it("audits the estimate and every link it ended", async () => {
    await waitFor(
      "the estimate's audit entries",
      async () => (await auditCount("linkage.parameters")) === 1,
      60_000,
    );
    const { rows } = await h.pool.query<{ counts: Record<string, number>; reference: string }>(
      "SELECT counts, reference FROM audit.entries WHERE action = 'linkage.parameters'",
    );
    expect(rows[0]).toEqual({
      reference: "1",
      counts: { pairs: 6_604, links: first.result?.links, unlinks: first.result?.unlinks },
    });
    const unlinked = await waitFor(
      "the unlink decisions",
      async () => {
        const { rows: n } = await h.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit.entries
           WHERE action = 'link.decision' AND actor = 'e2e-reviewer' AND details->>'outcome' = 'unlink'`,
        );
        const count = n[0]?.n ?? -1;
        return count === first.result?.unlinks ? count : null;
      },
      60_000,
    );
    expect(unlinked).toBe(first.result?.unlinks);
  });

  it("changes nothing when estimated again on the same records", async () => {
    const again = await estimate();
    expect(again).toMatchObject({ status: "done", version: 2 });
    expect(again.result).toMatchObject({ links: 0, unlinks: 0, moved: 0, review: 0 });
    expect(await quality()).toEqual(afterFirst);
  });

  it("says 404 for an unknown estimate, 400 for an id it cannot take", async () => {
    const status = async (method: string, path: string, body?: unknown) =>
      (
        (await h.client
          .request("linker", method, path, method === "GET" ? auditor : reviewer, body)
          .catch((e: unknown) => e)) as ApiError
      ).status;
    expect(await status("GET", "/v1/linkage/parameters/estimates/999")).toBe(404);
    for (const id of ["99999999999999999999", "9007199254740993", "0", "x"])
      expect(await status("GET", `/v1/linkage/parameters/estimates/${id}`)).toBe(400);
    expect(await status("POST", "/v1/review/99999999999999999999/resolution", {})).toBe(400);
  });

  it("is at hand in the CLI: kruispunt review estimate|parameters|list", async () => {
    expect(await reviewCommand(["estimate", "--as", "e2e-reviewer"], h.client)).toBe(0);
    expect(await reviewCommand(["parameters", "--as", "e2e-reviewer"], h.client)).toBe(0);
    expect(await reviewCommand(["list", "--as", "e2e-reviewer", "--limit", "5"], h.client)).toBe(0);
    expect(await reviewCommand(["estimate"], h.client)).toBe(2);
    const current = await h.client.request<Parameters>(
      "linker",
      "GET",
      "/v1/linkage/parameters",
      auditor,
    );
    expect(current.version).toBe(3);
    expect(await quality()).toEqual(afterFirst);
  });

  it("lets only a reviewer estimate, and an auditor or reviewer read", async () => {
    for (const as of [auditor, agency("alpha"), { sub: "r", role: "researcher" as const }]) {
      const refused = await h.client
        .request("linker", "POST", "/v1/linkage/parameters/estimate", as, {})
        .catch((e: unknown) => e);
      expect((refused as ApiError).status).toBe(403);
    }
    const read = await h.client
      .request("linker", "GET", "/v1/linkage/parameters", agency("alpha"))
      .catch((e: unknown) => e);
    expect((read as ApiError).status).toBe(403);
    await expect(
      h.client.request("linker", "GET", "/v1/linkage/parameters", reviewer),
    ).resolves.toMatchObject({ version: 3 });
  });
});
