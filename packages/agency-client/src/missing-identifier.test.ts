/**
 * Records whose identifier is missing or invalid (issue 5): with the contract option
 * identifier.whenUnusable "link_probabilistically" they are accepted with a note naming
 * the field and the scheme's code, and travel with no identifier in any form; without
 * it they are refused exactly as before. The values never appear in a verdict or in the
 * bytes that would go to Kafka.
 */
import { Readable } from "node:stream";
import { contractSchema, decodeEvent, type SourceRecord } from "@kruispunt/contracts";
import {
  BatchOpener,
  cryptoReady,
  currentKey,
  generateKeyring,
  type Keyring,
  publicKeyOf,
} from "@kruispunt/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { processUpload, type RecordVerdict } from "./csv-records";
import { createRecordValidator } from "./record-validator";

const base = {
  identifier: { field: "insz", scheme: "be-insz" },
  sourceRecordId: "id",
  quasiIdentifiers: ["given_name", "surname"],
  variables: [{ name: "region", type: "string" }],
};
const linking = contractSchema.parse({
  ...base,
  identifier: { ...base.identifier, whenUnusable: "link_probabilistically" },
});
const refusing = contractSchema.parse(base);
let ring: Keyring;

beforeAll(async () => {
  await cryptoReady();
  ring = generateKeyring(["seal"]);
});

// 85.07.30-033.28 is a valid INSZ; 85073003329 has one typo in its check digits.
const CSV = [
  "id,insz,given_name,surname,region",
  "ok,85.07.30-033.28,Jan,Peeters,vlg",
  "blank,,An,Claes,bru",
  "na,N/A,Els,Janssens,wal",
  "word, null ,Tom,Maes,vlg",
  "spaces,   ,Rik,Wouters,vlg",
  "typo,85073003329,Lien,Jacobs,bru",
  "letters,8507300332X,Bart,Mertens,wal",
  "alone,,,,vlg",
].join("\n");

async function publish(contract: typeof linking, csv = CSV) {
  const records: SourceRecord[] = [];
  const verdicts: RecordVerdict[] = [];
  const bytes: Buffer[] = [];
  const summary = await processUpload({
    agency: "alpha",
    dataset: "persons",
    uploadId: "u",
    contract,
    body: Readable.from([Buffer.from(csv)]),
    sealPublicKey: publicKeyOf(ring, "seal"),
    observer: { record: () => {}, verdict: (v) => verdicts.push(v) },
    publish: async (messages) => {
      for (const m of messages) {
        bytes.push(Buffer.from(m.value));
        records.push(decodeEvent("SourceRecord", m.value));
      }
    },
  });
  return { summary, records, verdicts, bytes: Buffer.concat(bytes).toString("latin1") };
}

const EMPTY = "The identifier is missing: empty, only whitespace, or a missing-value marker.";
const CHECK = "The check digits do not match the rest of the identifier.";
const CHARS = "The identifier contains characters this scheme does not allow.";
const LINKED =
  "Accepted without it: the record is linked only probabilistically, on its quasi-identifiers.";
const note = (code: string, message: string) => ({
  field: "insz",
  code,
  message: `${message} ${LINKED}`,
});

describe("dataset contract identifier.whenUnusable", () => {
  it('defaults to "refuse"', () => {
    expect(refusing.identifier).toEqual({
      field: "insz",
      scheme: "be-insz",
      whenUnusable: "refuse",
    });
  });

  it("is refused, naming the field, without quasi-identifiers, in blind mode, or misspelt", () => {
    const issues = (body: unknown) => {
      const parsed = contractSchema.safeParse(body);
      return parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join("."), i.message]);
    };
    const option = { ...base.identifier, whenUnusable: "link_probabilistically" };
    expect(issues({ ...base, identifier: option, quasiIdentifiers: [] })).toEqual([
      [
        "identifier.whenUnusable",
        '"link_probabilistically" needs at least one quasi-identifier to link on',
      ],
    ]);
    expect(issues({ ...base, identifier: option, mode: "blind" })).toEqual([
      [
        "identifier.whenUnusable",
        '"link_probabilistically" is not available in blind mode, which sends no quasi-identifiers',
      ],
    ]);
    expect(
      issues({ ...base, identifier: { ...option, whenUnusable: "link" } }).map(([p]) => p),
    ).toEqual(["identifier.whenUnusable"]);
  });
});

describe("a missing or invalid identifier", () => {
  it("is accepted with a note and travels without any identifier when the contract says so", async () => {
    const { summary, records, verdicts, bytes } = await publish(linking);
    expect(verdicts).toEqual([
      { line: 2, sourceRecordId: "ok", verdict: "accepted" },
      { line: 3, sourceRecordId: "blank", verdict: "accepted", note: note("KRP_ID_EMPTY", EMPTY) },
      { line: 4, sourceRecordId: "na", verdict: "accepted", note: note("KRP_ID_EMPTY", EMPTY) },
      { line: 5, sourceRecordId: "word", verdict: "accepted", note: note("KRP_ID_EMPTY", EMPTY) },
      { line: 6, sourceRecordId: "spaces", verdict: "accepted", note: note("KRP_ID_EMPTY", EMPTY) },
      {
        line: 7,
        sourceRecordId: "typo",
        verdict: "accepted",
        note: note("KRP_ID_BAD_CHECK_DIGITS", CHECK),
      },
      {
        line: 8,
        sourceRecordId: "letters",
        verdict: "accepted",
        note: note("KRP_ID_BAD_CHARACTERS", CHARS),
      },
      // Nothing to link it on: refused as before, saying why.
      {
        line: 9,
        sourceRecordId: "alone",
        verdict: "refused",
        field: "insz",
        code: "KRP_ID_EMPTY",
        message: `${EMPTY} The record has no quasi-identifier value either, so it could never be linked.`,
      },
    ]);
    expect(summary).toMatchObject({ submitted: 8, accepted: 7, refused: 1, withoutIdentifier: 6 });
    expect(
      records.map((r) => [
        r.sourceRecordId,
        r.missingIdentifier,
        r.batchSealed === null,
        r.sealedIdentifier,
      ]),
    ).toEqual([
      ["ok", "", false, ""],
      ["blank", "KRP_ID_EMPTY", true, ""],
      ["na", "KRP_ID_EMPTY", true, ""],
      ["word", "KRP_ID_EMPTY", true, ""],
      ["spaces", "KRP_ID_EMPTY", true, ""],
      ["typo", "KRP_ID_BAD_CHECK_DIGITS", true, ""],
      ["letters", "KRP_ID_BAD_CHARACTERS", true, ""],
    ]);
    // The quasi-identifiers still travel sealed, for the pseudonymiser to encode.
    const opener = new BatchOpener(publicKeyOf(ring, "seal"), currentKey(ring, "seal").secretKey);
    const typo = records.find((r) => r.sourceRecordId === "typo") as SourceRecord;
    expect(
      JSON.parse(
        opener.open(
          typo.sealedQuasiIdentifiers as NonNullable<SourceRecord["sealedQuasiIdentifiers"]>,
          "alpha/persons/typo#qi",
        ),
      ),
    ).toEqual({ given_name: "Lien", surname: "Jacobs" });
    for (const value of ["85073003329", "8507300332X", "N/A", "Lien", "Jacobs"]) {
      expect(bytes).not.toContain(value);
      expect(JSON.stringify(verdicts)).not.toContain(value);
    }
  });

  it("is refused with exactly today's verdicts when the contract does not say so", async () => {
    const { summary, records } = await publish(refusing);
    expect(
      summary.refusals.map((r) => [r.line, r.sourceRecordId, r.field, r.code, r.message]),
    ).toEqual([
      [3, "blank", "insz", "KRP_ID_EMPTY", EMPTY],
      [4, "na", "insz", "KRP_ID_EMPTY", EMPTY],
      [5, "word", "insz", "KRP_ID_EMPTY", EMPTY],
      [6, "spaces", "insz", "KRP_ID_EMPTY", EMPTY],
      [7, "typo", "insz", "KRP_ID_BAD_CHECK_DIGITS", CHECK],
      [8, "letters", "insz", "KRP_ID_BAD_CHARACTERS", CHARS],
      [9, "alone", "insz", "KRP_ID_EMPTY", EMPTY],
    ]);
    expect(summary).toMatchObject({ accepted: 1, refused: 7, withoutIdentifier: 0 });
    expect(records.map((r) => [r.sourceRecordId, r.missingIdentifier])).toEqual([["ok", ""]]);
  });

  it("never lets hostile identifier values through: over-long, NUL, not UTF-8", () => {
    const validate = createRecordValidator(linking);
    const fields = (insz: string) => ({ id: "h", insz, given_name: "Jan", region: "" });
    const long = "8".repeat(300);
    const outcomes = [long, "850730\u000003328", "850730\uFFFD3328"].map((insz) => {
      const v = validate(fields(insz), 2);
      return v.ok
        ? [v.record.canonical, v.record.identifierNote?.code]
        : [v.refusal.field, v.refusal.code];
    });
    expect(outcomes).toEqual([
      ["", "KRP_ID_TOO_LONG"],
      ["", "KRP_ID_NUL_BYTE"],
      // Bytes that were not UTF-8 refuse the record, whatever the option.
      ["insz", "KRP_ERR_NOT_UTF8"],
    ]);
  });

  it("still refuses the record for another field's fault first", () => {
    const validate = createRecordValidator(linking);
    const v = validate({ id: "", insz: "", given_name: "Jan" }, 2);
    expect(v.ok ? null : [v.refusal.field, v.refusal.code]).toEqual([
      "id",
      "KRP_ERR_MISSING_RECORD_ID",
    ]);
  });
});
