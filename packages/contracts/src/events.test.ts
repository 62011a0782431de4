import { describe, expect, it } from "vitest";
import { decodeEvent, encodeEvent, type LinkageEvent, type PseudonymisedRecord } from "./events";

describe("event codec", () => {
  it("round-trips a pseudonymised record with all fields", () => {
    const event: PseudonymisedRecord = {
      agency: "alpha",
      dataset: "persons",
      sourceRecordId: "42",
      version: 3,
      linkagePseudonym: "ab".repeat(32),
      keyVersion: 1,
      keyringFingerprint: "0123456789abcdef",
      variables: { state: "nsw", date_of_birth: "19151111" },
      uploadId: "u-1",
      withdrawn: false,
      keyId: "00112233445566ff",
      reshuffledCiphertext: "",
      pprl: {
        schemaId: "kruispunt-person/v1",
        keyVersion: 1,
        filters: Buffer.from([0, 1, 2, 255]),
        blockingKeys: ["0123456789abcdef", "fedcba9876543210"],
      },
    };
    expect(decodeEvent("PseudonymisedRecord", encodeEvent("PseudonymisedRecord", event))).toEqual(
      event,
    );
  });

  it("round-trips a blind-mode source record's ciphertext", () => {
    const ciphertext = "A".repeat(86);
    const record = {
      agency: "alpha",
      dataset: "persons",
      sourceRecordId: "1",
      version: 1,
      scheme: "febrl-ssn",
      sealedIdentifier: "",
      variables: {},
      uploadId: "u",
      withdrawn: false,
      blindCiphertext: ciphertext,
    };
    const decoded = decodeEvent("SourceRecord", encodeEvent("SourceRecord", record));
    expect(decoded.blindCiphertext).toBe(ciphertext);
    expect(decoded.batchSealed).toBeNull();
  });

  it("keeps enum kinds as names", () => {
    const event: LinkageEvent = {
      kind: "UNLINKED",
      agency: "beta",
      dataset: "persons",
      sourceRecordId: "7",
      version: 1,
      clusterId: "c",
      linkagePseudonym: "",
      variables: {},
      method: "withdrawal",
      score: 0,
    };
    expect(decodeEvent("LinkageEvent", encodeEvent("LinkageEvent", event)).kind).toBe("UNLINKED");
  });

  it("refuses a field of the wrong type", () => {
    expect(() =>
      encodeEvent("SourceRecord", { agency: 5 } as unknown as Parameters<
        typeof encodeEvent<"SourceRecord">
      >[1]),
    ).toThrow(/agency/);
  });

  it("encodes to the bytes protobufjs' fromObject() message gave (known answers)", () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
    const record = {
      agency: "alpha",
      dataset: "persons",
      sourceRecordId: "r-1",
      version: 2,
      scheme: "be-insz",
      sealedIdentifier: "",
      variables: { state: "nsw", year_of_birth: "1985" },
      uploadId: "u-1",
      withdrawn: false,
      batchSealed: { sealedKey: "SK", nonce: "N", ciphertext: "C" },
      missingIdentifier: "",
      sealedQuasiIdentifiers: { sealedKey: "SK", nonce: "N2", ciphertext: "C2" },
    };
    expect(hex(encodeEvent("SourceRecord", record))).toBe(
      "0a05616c7068611207706572736f6e731a03722d3120022a0762652d696e737a3a0c0a05737461746512036e73773a150a0d796561725f6f665f62697274681204313938354203752d31520a0a02534b12014e1a0143620c0a02534b12024e321a024332",
    );
    const event: LinkageEvent = {
      kind: "UPDATED",
      agency: "beta",
      dataset: "persons",
      sourceRecordId: "7",
      version: 1,
      clusterId: "c",
      linkagePseudonym: "",
      variables: {},
      method: "pprl",
      score: 0.5,
    };
    expect(hex(encodeEvent("LinkageEvent", event))).toBe(
      "08031204626574611a07706572736f6e7322013728013201634a047070726c51000000000000e03f",
    );
    const pseudonymised: PseudonymisedRecord = {
      agency: "alpha",
      dataset: "persons",
      sourceRecordId: "42",
      version: 3,
      linkagePseudonym: "ab",
      keyVersion: 1,
      keyringFingerprint: "f",
      variables: { s: "n" },
      uploadId: "u",
      withdrawn: false,
      keyId: "k",
      reshuffledCiphertext: "",
      pprl: {
        schemaId: "s",
        keyVersion: 1,
        filters: Buffer.from([0, 1, 255]),
        blockingKeys: ["a", "b"],
      },
    };
    expect(hex(encodeEvent("PseudonymisedRecord", pseudonymised))).toBe(
      "0a05616c7068611207706572736f6e731a02343220032a02616230013a016642060a017312016e4a01755a016b6a100a017310011a030001ff220161220162",
    );
  });
});
