/**
 * Records whose identifier is missing or invalid (issue 5), end to end over real Kafka
 * and PostgreSQL: with the contract option identifier.whenUnusable
 * "link_probabilistically", alpha's records with an empty, an `N/A` and a mistyped
 * (bad check digits) INSZ are accepted with a note, travel without any identifier, get a
 * record pseudonym, and are linked by PPRL to beta's records of the same FEBRL persons;
 * one without a partner stays alone; re-sending changes nothing; a contract without the
 * option refuses the same file with today's verdicts. No invalid value reaches a table.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { FEBRL_QUASI_IDENTIFIERS } from "@kruispunt/cli";
import { readKeyring, recordPseudonym, versionedLinkagePseudonym } from "@kruispunt/crypto";
import { keyFiles } from "@kruispunt/service-kit";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, KAFKA_BROKERS, type Stack, startStack } from "./harness";
import { kafkaTopicDirs, scanDatabase, scanFiles } from "./privacy-scan";

let h: Stack;
type Row = Record<string, string>;
const read = (file: string) =>
  parse(readFileSync(join(FEBRL_DIR, file), "utf8"), { columns: true, trim: true }) as Row[];
const person = (r: Row) => Number(/^rec-(\d+)-/.exec(r.rec_id ?? "")?.[1]);
const byPerson = (rows: Row[]) => new Map(rows.map((r) => [person(r), r]));
const alphaRows = byPerson(read("dataset4a.csv"));
const betaRows = byPerson(read("dataset4b.csv"));
// FEBRL persons below 200 whose soc_sec_id differs between the files: test/pprl-linkage
// shows each pair links by PPRL on its quasi-identifiers alone.
const persons = [...alphaRows.keys()].filter((p) => p < 200).sort((a, b) => a - b);
const mistyped = persons.filter(
  (p) => alphaRows.get(p)?.soc_sec_id !== betaRows.get(p)?.soc_sec_id,
);
const [pBlank, pNa, pTypo] = mistyped as [number, number, number];
const [pExact, pAlone, pBetaOnly] = persons.filter((p) => !mistyped.includes(p)) as [
  number,
  number,
  number,
];

/** A valid INSZ for person `p` (born 1985-07-30, serial p + 100; check = 97 − nine digits mod 97). */
const insz = (p: number) => {
  const nine = `850730${String(p + 100).padStart(3, "0")}`;
  return `${nine}${String(97 - (Number(nine) % 97)).padStart(2, "0")}`;
};
/** The same number with its last check digit mistyped (still 11 digits, now invalid). */
const typo = (p: number) => {
  const valid = insz(p);
  return `${valid.slice(0, 10)}${(Number(valid[10]) + 1) % 10}`;
};

const QUASI = [...FEBRL_QUASI_IDENTIFIERS];
const COLUMNS = ["record_id", "v", "insz", ...QUASI, "state"];
const contract = (whenUnusable?: "link_probabilistically") => ({
  identifier: { field: "insz", scheme: "be-insz", ...(whenUnusable ? { whenUnusable } : {}) },
  sourceRecordId: "record_id",
  versionField: "v",
  quasiIdentifiers: QUASI,
  variables: [{ name: "state", type: "string" }],
});
const row = (p: number, id: string, identifier: string, from = alphaRows): Row => ({
  ...(from.get(p) as Row),
  record_id: id,
  v: "1",
  insz: identifier,
});
const ALPHA = [
  row(pExact, "a-exact", insz(pExact)),
  row(pBlank, "a-blank", ""),
  row(pNa, "a-na", "N/A"),
  row(pTypo, "a-typo", typo(pTypo)),
  row(pAlone, "a-alone", "   "),
  { record_id: "a-nothing", v: "1", insz: "null", state: "nsw" },
];
const BETA = [pExact, pBlank, pNa, pTypo, pBetaOnly].map((p) =>
  row(p, `b-${p}`, insz(p), betaRows),
);
const csvOf = (rows: Row[]) =>
  `${[COLUMNS.join(","), ...rows.map((r) => COLUMNS.map((c) => r[c] ?? "").join(","))].join("\n")}\n`;

const agency = (sub: string) => ({ sub, role: "agency" as const });
const auditor = { sub: "e2e-auditor", role: "auditor" as const };

interface Summary {
  uploadId: string;
  accepted: number;
  refused: number;
  refusals: { line: number; field: string; code: string; message: string }[];
}
const upload = (as: string, rows: Row[]) =>
  h.client.request<Summary>(
    "intake",
    "POST",
    "/v1/datasets/persons/uploads",
    agency(as),
    Readable.from([csvOf(rows)]),
    "text/csv",
  );
const verdictFile = async (as: string, uploadId: string) =>
  (await h.client.download("intake", `/v1/uploads/${uploadId}/verdicts`, agency(as)))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const links = async () =>
  (
    await h.client.request<{ pairs: { left: string; right: string; method: string }[] }>(
      "linker",
      "GET",
      "/v1/links?left=alpha/persons&right=beta/persons",
      auditor,
    )
  ).pairs.map(({ left, right, method }) => ({ left, right, method }));
const stored = async () =>
  (
    await h.pool.query<{ id: string; version: number; lp: string; cluster: string }>(
      `SELECT source_record_id AS id, version::int AS version, linkage_pseudonym AS lp, cluster_id AS cluster
         FROM linker.records WHERE agency = 'alpha' ORDER BY source_record_id`,
    )
  ).rows;
async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
const linkerHolds = (n: number) =>
  until(`the linker to hold ${n} records`, async () => {
    const { rows } = await h.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM linker.records",
    );
    return (rows[0]?.n ?? 0) >= n ? true : null;
  });

const EMPTY = "The identifier is missing: empty, only whitespace, or a missing-value marker.";
const CHECK = "The check digits do not match the rest of the identifier.";
const LINKED =
  "Accepted without it: the record is linked only probabilistically, on its quasi-identifiers.";
const note = (code: string, message: string) => ({
  field: "insz",
  code,
  message: `${message} ${LINKED}`,
});
const EXPECTED_LINKS = [
  { left: "a-blank", right: `b-${pBlank}`, method: "pprl" },
  { left: "a-exact", right: `b-${pExact}`, method: "exact" },
  { left: "a-na", right: `b-${pNa}`, method: "pprl" },
  { left: "a-typo", right: `b-${pTypo}`, method: "pprl" },
];
let alphaUpload: Summary;

beforeAll(async () => {
  h = await startStack({ name: "e2e_noid", portOffset: 24_000 });
  await h.client.request(
    "intake",
    "PUT",
    "/v1/datasets/persons",
    agency("alpha"),
    contract("link_probabilistically"),
  );
  await h.client.request("intake", "PUT", "/v1/datasets/persons", agency("beta"), contract());
  await h.client.request("intake", "PUT", "/v1/datasets/persons", agency("gamma"), contract());
  // alpha first: beta's records then find alpha's identifier-less ones by PPRL.
  alphaUpload = await upload("alpha", ALPHA);
  await linkerHolds(5);
  await upload("beta", BETA);
  await linkerHolds(10);
}, 600_000);

afterAll(async () => {
  await h?.stop();
});

describe("a record whose identifier is missing or invalid, with identifier.whenUnusable", () => {
  it("is accepted with a note naming the field and the code, never the value", async () => {
    expect(alphaUpload).toMatchObject({ accepted: 5, refused: 1 });
    expect(await verdictFile("alpha", alphaUpload.uploadId)).toEqual([
      { line: 2, sourceRecordId: "a-exact", verdict: "accepted" },
      {
        line: 3,
        sourceRecordId: "a-blank",
        verdict: "accepted",
        note: note("KRP_ID_EMPTY", EMPTY),
      },
      { line: 4, sourceRecordId: "a-na", verdict: "accepted", note: note("KRP_ID_EMPTY", EMPTY) },
      {
        line: 5,
        sourceRecordId: "a-typo",
        verdict: "accepted",
        note: note("KRP_ID_BAD_CHECK_DIGITS", CHECK),
      },
      {
        line: 6,
        sourceRecordId: "a-alone",
        verdict: "accepted",
        note: note("KRP_ID_EMPTY", EMPTY),
      },
      {
        line: 7,
        sourceRecordId: "a-nothing",
        verdict: "refused",
        field: "insz",
        code: "KRP_ID_EMPTY",
        message: `${EMPTY} The record has no quasi-identifier value either, so it could never be linked.`,
      },
    ]);
  });

  it("is linked by PPRL to its partner in another dataset; without a partner it stays alone", async () => {
    expect(await links()).toEqual(EXPECTED_LINKS);
    const ring = readKeyring(keyFiles(join(h.dataDir, "keys")).pseudonymiserKeyring);
    const rp = (id: string) =>
      recordPseudonym(ring, { agency: "alpha", dataset: "persons", sourceRecordId: id }).pseudonym;
    const rows = await stored();
    // Each identifier-less record carries its record pseudonym; the valid one a person's.
    expect(rows.map((r) => [r.id, r.lp])).toEqual([
      ["a-alone", rp("a-alone")],
      ["a-blank", rp("a-blank")],
      ["a-exact", versionedLinkagePseudonym(ring, "be-insz", insz(pExact)).pseudonym],
      ["a-na", rp("a-na")],
      ["a-typo", rp("a-typo")],
    ]);
    const alone = rows.find((r) => r.id === "a-alone");
    const { rows: members } = await h.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM linker.records WHERE cluster_id = $1",
      [alone?.cluster],
    );
    expect([alone?.cluster, members[0]?.n]).toEqual([rp("a-alone"), 1]);
    const { rows: review } = await h.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM linker.review",
    );
    expect(review[0]?.n).toBe(0);
  });

  it("is counted by intake and the pseudonymiser, and audited", async () => {
    const { rows } = await h.pool.query<{ action: string; counts: Record<string, number> }>(
      `SELECT action, counts FROM audit.entries
        WHERE object = 'alpha/persons' AND action IN ('intake.upload', 'pseudonymise.batch') ORDER BY seq`,
    );
    const upload = rows.find((r) => r.action === "intake.upload");
    expect(upload?.counts).toMatchObject({
      submitted: 6,
      accepted: 5,
      refused: 1,
      noIdentifier: 4,
    });
    const batches = rows.filter((r) => r.action === "pseudonymise.batch");
    expect(batches.reduce((n, r) => n + Number(r.counts.noIdentifier ?? 0), 0)).toBe(4);
    const metrics = await (await fetch(`${h.urls.intake}/metrics`)).text();
    expect(metrics).toMatch(/kruispunt_records_total\{[^}]*outcome="no_identifier"[^}]*\} 4/);
  });

  it("leaves no invalid identifier value in any table or topic", async () => {
    // Also the valid numbers: none of them is stored or sent unsealed either.
    const values = new Set([typo(pTypo), ...[pExact, pBlank, pNa, pTypo, pBetaOnly].map(insz)]);
    expect(await scanDatabase(h.pool, ["intake", "linker", "audit", "release"], values)).toEqual(
      [],
    );
    expect(scanFiles(await kafkaTopicDirs(KAFKA_BROKERS, h.namespace), values)).toEqual([]);
  });

  it("re-sent, changes nothing: the same verdicts (unchanged), links and pseudonyms", async () => {
    const before = await stored();
    const again = await upload("alpha", ALPHA);
    expect(again).toMatchObject({ accepted: 5, refused: 1 });
    const lines = await verdictFile("alpha", again.uploadId);
    expect(
      lines.map((l) => [l.sourceRecordId, l.verdict, l.unchanged ?? false, l.note ?? null]),
    ).toEqual([
      ["a-exact", "accepted", true, null],
      ["a-blank", "accepted", true, note("KRP_ID_EMPTY", EMPTY)],
      ["a-na", "accepted", true, note("KRP_ID_EMPTY", EMPTY)],
      ["a-typo", "accepted", true, note("KRP_ID_BAD_CHECK_DIGITS", CHECK)],
      ["a-alone", "accepted", true, note("KRP_ID_EMPTY", EMPTY)],
      ["a-nothing", "refused", false, null],
    ]);
    // A new version of the same record gets the same record pseudonym and stays linked.
    await upload("alpha", [{ ...(ALPHA[3] as Row), v: "2" }]);
    await until("version 2 of a-typo", async () =>
      (await stored()).find((r) => r.id === "a-typo")?.version === 2 ? true : null,
    );
    const after = await stored();
    expect(after.map((r) => [r.id, r.lp, r.cluster])).toEqual(
      before.map((r) => [r.id, r.lp, r.cluster]),
    );
    expect(await links()).toEqual(EXPECTED_LINKS);
  });
});

describe("a contract without the option", () => {
  it("refuses the same records with today's verdicts", async () => {
    const verdict = await upload("gamma", ALPHA);
    expect(verdict).toMatchObject({ accepted: 1, refused: 5 });
    expect(verdict.refusals.map((r) => [r.line, r.field, r.code, r.message])).toEqual([
      [3, "insz", "KRP_ID_EMPTY", EMPTY],
      [4, "insz", "KRP_ID_EMPTY", EMPTY],
      [5, "insz", "KRP_ID_BAD_CHECK_DIGITS", CHECK],
      [6, "insz", "KRP_ID_EMPTY", EMPTY],
      [7, "insz", "KRP_ID_EMPTY", EMPTY],
    ]);
  });

  it("and refuses the option where it cannot work, naming the field (400)", async () => {
    const error = await h.client
      .request("intake", "PUT", "/v1/datasets/bare", agency("gamma"), {
        ...contract("link_probabilistically"),
        quasiIdentifiers: [],
      })
      .then(
        () => null,
        (e: unknown) => e as { status: number; body?: unknown },
      );
    expect(error?.status).toBe(400);
    expect(JSON.stringify(error)).toContain("identifier.whenUnusable");
  });
});
