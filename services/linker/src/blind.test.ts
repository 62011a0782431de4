import {
  BLIND_KEY_VERSION,
  blindPseudonymKeyId,
  blindReady,
  encryptIdentifiers,
  generateElGamalKeyPair,
  generateReshuffleScalar,
  type LinkerBlindKeys,
  reshuffleCiphertexts,
  reshuffleKeyId,
} from "@kruispunt/blind";
import type { PseudonymisedRecord } from "@kruispunt/contracts";
import { beforeAll, describe, expect, it } from "vitest";
import { unblindRecords } from "./blind";

let keys: LinkerBlindKeys;
let k: Uint8Array;
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");

beforeAll(async () => {
  await blindReady();
  const pair = generateElGamalKeyPair();
  keys = {
    elgamalSecretKey: pair.secretKey,
    elgamalPublicKey: pair.publicKey,
    linkageKey: new Uint8Array(32).fill(3),
  };
  k = generateReshuffleScalar();
});

function record(id: string, fields: Partial<PseudonymisedRecord>): PseudonymisedRecord {
  return {
    agency: "alpha",
    dataset: "persons",
    sourceRecordId: id,
    version: 1,
    linkagePseudonym: "",
    keyVersion: 1,
    keyringFingerprint: "f",
    variables: {},
    uploadId: "u",
    withdrawn: false,
    keyId: reshuffleKeyId(k),
    reshuffledCiphertext: "",
    ...fields,
  };
}

function reshuffled(canonical: string): string {
  const cts = encryptIdentifiers(keys.elgamalPublicKey, [{ scheme: "febrl-ssn", canonical }]);
  return b64(reshuffleCiphertexts(k, cts)[0] as Uint8Array);
}

describe("unblindRecords", () => {
  it("gives equal identifiers equal pseudonyms under the blind key id; keyed records pass", () => {
    const keyed = record("3", { linkagePseudonym: "ab".repeat(32), keyId: "0011223344556677" });
    const out = unblindRecords(
      [
        record("1", { reshuffledCiphertext: reshuffled("1234567") }),
        keyed,
        record("2", { reshuffledCiphertext: reshuffled("1234567") }),
        record("4", { reshuffledCiphertext: b64(new Uint8Array(64).fill(0xff)) }),
      ],
      keys,
    );
    expect(out.refused).toEqual(["alpha/persons/4"]);
    expect(out.records.map((r) => r.sourceRecordId)).toEqual(["1", "3", "2"]);
    const [a, b, c] = out.records as [
      PseudonymisedRecord,
      PseudonymisedRecord,
      PseudonymisedRecord,
    ];
    expect(b).toBe(keyed);
    expect(a.linkagePseudonym).toMatch(/^[0-9a-f]{64}$/);
    expect(a.linkagePseudonym).toBe(c.linkagePseudonym);
    const keyId = blindPseudonymKeyId(reshuffleKeyId(k), keys.linkageKey);
    expect([a.keyId, a.keyVersion, a.reshuffledCiphertext]).toEqual([keyId, BLIND_KEY_VERSION, ""]);
  });

  it("refuses blind records when the linker has no blind keys", () => {
    const out = unblindRecords([record("1", { reshuffledCiphertext: reshuffled("7") })], null);
    expect(out).toEqual({ records: [], refused: ["alpha/persons/1"] });
  });
});
