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
});
