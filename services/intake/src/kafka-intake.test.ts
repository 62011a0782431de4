/**
 * Kafka intake's judgement of a record produced without an identifier
 * (SourceRecord.missing_identifier): accepted with a note only under a contract with
 * identifier.whenUnusable "link_probabilistically", with a KRP_ID_* reason, no
 * identifier in any form and sealed quasi-identifiers.
 */
import { createRecordValidator } from "@kruispunt/agency-client";
import type { Bus } from "@kruispunt/bus";
import { contractSchema, decodeEvent, encodeEvent, type SourceRecord } from "@kruispunt/contracts";
import { createLogger } from "@kruispunt/observability";
import { describe, expect, it } from "vitest";
import { handleIntakeBatch, judgeMessage } from "./kafka-intake";

const base = {
  identifier: { field: "insz", scheme: "be-insz" },
  sourceRecordId: "id",
  quasiIdentifiers: ["given_name"],
  variables: [{ name: "region", type: "string" }],
};
const contracts = {
  linking: contractSchema.parse({
    ...base,
    identifier: { ...base.identifier, whenUnusable: "link_probabilistically" },
  }),
  refusing: contractSchema.parse(base),
};
const sealed = { sealedKey: "a2V5", nonce: "bm9uY2U", ciphertext: "Y2lwaGVy" };

async function judge(dataset: keyof typeof contracts, record: Partial<SourceRecord>) {
  const full: SourceRecord = {
    agency: "alpha",
    dataset,
    sourceRecordId: "r1",
    version: 1,
    scheme: "be-insz",
    sealedIdentifier: "",
    variables: { region: "vlg" },
    uploadId: "u",
    withdrawn: false,
    missingIdentifier: "KRP_ID_BAD_CHECK_DIGITS",
    sealedQuasiIdentifiers: sealed,
    ...record,
  };
  const message = {
    topic: "intake.alpha",
    partition: 0,
    offset: "0",
    key: "k",
    value: encodeEvent("SourceRecord", full),
  };
  const { outcome } = await judgeMessage("alpha", message, async (d) => {
    const contract = contracts[d as keyof typeof contracts];
    return { contract, validate: createRecordValidator(contract, { identifier: "sealed" }) };
  });
  return outcome.ok
    ? ["accepted", outcome.note?.field, outcome.note?.code]
    : ["refused", outcome.field, outcome.code];
}

describe("Kafka intake of a record without an identifier", () => {
  it("accepts it with a note under a contract that links such records", async () => {
    expect(await judge("linking", {})).toEqual(["accepted", "insz", "KRP_ID_BAD_CHECK_DIGITS"]);
    expect(await judge("linking", { missingIdentifier: "KRP_ID_EMPTY" })).toEqual([
      "accepted",
      "insz",
      "KRP_ID_EMPTY",
    ]);
  });

  it("refuses it under a contract that does not", async () => {
    expect(await judge("refusing", {})).toEqual(["refused", "insz", "KRP_ERR_IDENTIFIER_REQUIRED"]);
  });

  it("refuses an odd reason, an identifier after all, or no sealed quasi-identifiers", async () => {
    const cases: Partial<SourceRecord>[] = [
      { missingIdentifier: "KRP_ERR_WHATEVER" },
      { missingIdentifier: "85073003329" },
      { batchSealed: sealed },
      { sealedIdentifier: "c2VhbGVk" },
      { blindCiphertext: "AAAA" },
      { sealedQuasiIdentifiers: null },
    ];
    for (const c of cases)
      expect(await judge("linking", c)).toEqual([
        "refused",
        "insz",
        "KRP_ERR_BAD_MISSING_IDENTIFIER",
      ]);
  });

  it("still checks the other fields", async () => {
    expect(await judge("linking", { sourceRecordId: "" })).toEqual([
      "refused",
      "id",
      "KRP_ERR_MISSING_RECORD_ID",
    ]);
  });
});

describe("Kafka intake's verdict on a record with two bad fields", () => {
  it("names the first as field/code/message and both in problems", async () => {
    const contract = contractSchema.parse({
      ...base,
      variables: [
        { name: "visits", type: "integer", unit: "visits" },
        { name: "since", type: "date" },
      ],
    });
    const record: SourceRecord = {
      agency: "alpha",
      dataset: "typed",
      sourceRecordId: "r1",
      version: 1,
      scheme: "be-insz",
      sealedIdentifier: "",
      batchSealed: sealed,
      variables: { visits: "many", since: "1980-02-31" },
      uploadId: "u",
      withdrawn: false,
    };
    // The bus as intake uses it: what is published, by topic (no broker in unit tests).
    const published: { topic: string; value: Uint8Array }[] = [];
    const bus = {
      publish: async (topic: string, messages: { value: Uint8Array }[]) => {
        for (const m of messages) published.push({ topic, value: m.value });
      },
    } as unknown as Bus;
    await handleIntakeBatch(
      { bus, logger: createLogger("test", "silent"), loadContract: async () => contract },
      "alpha",
      [
        {
          topic: "intake.alpha",
          partition: 0,
          offset: "7",
          key: "k",
          value: encodeEvent("SourceRecord", record),
        },
      ],
    );
    expect(published.map((p) => p.topic)).toEqual(["intake.alpha.verdicts"]);
    expect(decodeEvent("IntakeVerdict", published[0]?.value as Uint8Array)).toEqual({
      agency: "alpha",
      dataset: "typed",
      sourceRecordId: "r1",
      version: 1,
      uploadId: "u",
      accepted: false,
      field: "visits",
      code: "KRP_ERR_NOT_AN_INTEGER",
      message: "the value is not an integer",
      partition: 0,
      offset: "7",
      problems: [
        { field: "visits", code: "KRP_ERR_NOT_AN_INTEGER", message: "the value is not an integer" },
        {
          field: "since",
          code: "KRP_ERR_NOT_A_DATE",
          message: "the value is not a calendar date (YYYY-MM-DD or YYYYMMDD)",
        },
      ],
    });
  });
});
