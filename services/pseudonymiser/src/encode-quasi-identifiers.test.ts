import { decodeEvent, encodeEvent, type SourceRecord } from "@kruispunt/contracts";
import {
  BatchOpener,
  BatchSealer,
  cryptoReady,
  currentKey,
  generateKeyring,
  keyringFingerprint,
  linkageKeyId,
  publicKeyOf,
} from "@kruispunt/crypto";
import { fromWire, PERSON_SCHEMA_V1, Scorer, toWire } from "@kruispunt/pprl";
import { beforeAll, describe, expect, it } from "vitest";
import { encoderFor } from "./encode-quasi-identifiers";
import { type PseudonymiserKeys, pseudonymiseBatch } from "./pseudonymise";

let keys: PseudonymiserKeys;
let opener: BatchOpener;

beforeAll(async () => {
  await cryptoReady();
  const ring = generateKeyring(["linkage", "seal"]);
  keys = {
    ring,
    linkageKeyVersion: 1,
    keyId: linkageKeyId(ring, 1),
    keyringFingerprint: keyringFingerprint(ring),
    sealPublicKey: publicKeyOf(ring, "seal"),
    sealSecretKey: currentKey(ring, "seal").secretKey,
    encoder: encoderFor(currentKey(ring, "linkage")),
  };
  opener = new BatchOpener(keys.sealPublicKey, keys.sealSecretKey);
});

const person = {
  given_name: "Michaela",
  surname: "Neumann",
  date_of_birth: "19151111",
  postcode: "4223",
  suburb: "winston hills",
};

function message(id: string, record: Partial<SourceRecord>) {
  const full: SourceRecord = {
    agency: "alpha",
    dataset: "persons",
    sourceRecordId: id,
    version: 1,
    scheme: "febrl-ssn",
    sealedIdentifier: "",
    variables: {},
    uploadId: "u",
    withdrawn: false,
    ...record,
  };
  return {
    topic: "records.intake",
    partition: 0,
    offset: id,
    key: "k",
    value: encodeEvent("SourceRecord", full),
  };
}

describe("PPRL encoding in the pseudonymiser", () => {
  it("replaces sealed quasi-identifiers by the encoding the pprl package makes, never the values", () => {
    const sealer = new BatchSealer(keys.sealPublicKey);
    const outcome = pseudonymiseBatch(
      [
        message("1", {
          batchSealed: sealer.seal("5304218", "alpha/persons/1"),
          sealedQuasiIdentifiers: sealer.seal(JSON.stringify(person), "alpha/persons/1#qi"),
        }),
        message("2", { batchSealed: sealer.seal("5304218", "alpha/persons/2") }),
      ],
      keys,
      opener,
    );
    const [one, two] = outcome.pseudonymised.map((m) =>
      decodeEvent("PseudonymisedRecord", m.value),
    );
    const expected = toWire((keys.encoder as NonNullable<typeof keys.encoder>).encode(person));
    expect(one?.pprl?.schemaId).toBe(PERSON_SCHEMA_V1.id);
    expect(one?.pprl?.keyVersion).toBe(1);
    expect(Buffer.from(one?.pprl?.filters ?? []).equals(Buffer.from(expected.filters))).toBe(true);
    expect(one?.pprl?.blockingKeys).toEqual(expected.blockingKeys);
    expect(two?.pprl).toBeNull();
    const text = Buffer.concat(outcome.pseudonymised.map((m) => Buffer.from(m.value))).toString(
      "latin1",
    );
    for (const value of Object.values(person))
      expect(text.toLowerCase()).not.toContain(value.toLowerCase());
    // The same person encoded again scores as a certain match.
    const a = fromWire({ ...(one?.pprl as NonNullable<typeof one>["pprl"] & object) });
    expect(new Scorer().score(a, fromWire(expected)).levels).toEqual([3, 3, 3, -1, -1, -1, 3, 3]);
  });

  it("dead-letters quasi-identifiers sealed for another record, without any value", () => {
    const sealer = new BatchSealer(keys.sealPublicKey);
    const outcome = pseudonymiseBatch(
      [
        message("3", {
          batchSealed: sealer.seal("5304218", "alpha/persons/3"),
          sealedQuasiIdentifiers: sealer.seal(JSON.stringify(person), "alpha/persons/4#qi"),
        }),
        message("5", {
          batchSealed: sealer.seal("5304218", "alpha/persons/5"),
          sealedQuasiIdentifiers: sealer.seal('["not an object"]', "alpha/persons/5#qi"),
        }),
      ],
      keys,
      opener,
    );
    expect(outcome.pseudonymised).toEqual([]);
    expect(outcome.deadLetters.map((d) => [d.sourceRecordId, d.code])).toEqual([
      ["3", "KRP_ERR_SEAL_OPEN_FAILED"],
      ["5", "KRP_ERR_BAD_QUASI_IDENTIFIERS"],
    ]);
    expect(JSON.stringify(outcome.deadLetters)).not.toContain("Neumann");
  });
});
