/**
 * Quasi-identifiers travel sealed to the pseudonymiser beside the identifier (issue 5):
 * the published SourceRecord carries them only as a batch-sealed JSON object that opens
 * with the pseudonymiser's key under associated data "agency/dataset/id#qi".
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
import { processUpload } from "./csv-records";

const contract = (mode: "keyed" | "blind") =>
  contractSchema.parse({
    mode,
    identifier: { field: "ssn", scheme: "febrl-ssn" },
    sourceRecordId: "id",
    quasiIdentifiers: ["given_name", "date_of_birth"],
    variables: [{ name: "state", type: "string" }],
  });
let ring: Keyring;

beforeAll(async () => {
  await cryptoReady();
  ring = generateKeyring(["seal"]);
});

async function publish(csv: string, mode: "keyed" | "blind" = "keyed") {
  const records: SourceRecord[] = [];
  const bytes: Buffer[] = [];
  const verdict = await processUpload({
    agency: "alpha",
    dataset: "persons",
    uploadId: "u",
    contract: contract(mode),
    body: Readable.from([Buffer.from(csv)]),
    sealPublicKey: publicKeyOf(ring, "seal"),
    publish: async (messages) => {
      for (const m of messages) {
        bytes.push(Buffer.from(m.value));
        records.push(decodeEvent("SourceRecord", m.value));
      }
    },
  });
  return { verdict, records, bytes: Buffer.concat(bytes).toString("latin1") };
}

describe("quasi-identifiers", () => {
  it("are sealed as one JSON object per record, present values only, never raw", async () => {
    const { records, bytes } = await publish(
      "id,ssn,given_name,date_of_birth,state\n1,5304218,Michaela ,19151111,nsw\n2,4066625,,N/A,vic\n",
    );
    const opener = new BatchOpener(publicKeyOf(ring, "seal"), currentKey(ring, "seal").secretKey);
    const [one, two] = records;
    expect(one?.variables).toEqual({ state: "nsw" });
    expect(
      JSON.parse(
        opener.open(
          one?.sealedQuasiIdentifiers as NonNullable<SourceRecord["sealedQuasiIdentifiers"]>,
          "alpha/persons/1#qi",
        ),
      ),
    ).toEqual({ given_name: "Michaela", date_of_birth: "19151111" });
    // A record without any quasi-identifier value carries none.
    expect(two?.sealedQuasiIdentifiers).toBeNull();
    expect(bytes).not.toContain("Michaela");
    expect(bytes).not.toContain("19151111");
    // Bound to its record: the identifier's associated data does not open it.
    expect(() =>
      opener.open(
        one?.sealedQuasiIdentifiers as NonNullable<SourceRecord["sealedQuasiIdentifiers"]>,
        "alpha/persons/1",
      ),
    ).toThrow();
  });

  it("refuses an over-long value naming the field, without the value", async () => {
    const long = "x".repeat(1001);
    const { verdict } = await publish(
      `id,ssn,given_name,date_of_birth,state\n1,5304218,${long},,nsw\n`,
    );
    expect(verdict.refusals.map((r) => [r.line, r.field, r.code])).toEqual([
      [2, "given_name", "KRP_ERR_VALUE_TOO_LONG"],
    ]);
    expect(JSON.stringify(verdict)).not.toContain(long);
  });
});
