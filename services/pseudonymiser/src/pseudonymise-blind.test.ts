import {
  blindLinkagePseudonyms,
  blindReady,
  type ElementKeyPair,
  encryptIdentifiers,
  generateElGamalKeyPair,
  generateReshuffleScalar,
  type PseudonymiserBlindKeys,
  reshuffleKeyId,
} from "@kruispunt/blind";
import { decodeEvent, encodeEvent, type SourceRecord } from "@kruispunt/contracts";
import {
  BatchOpener,
  cryptoReady,
  generateKeyring,
  keyringFingerprint,
  linkageKeyId,
  publicKeyOf,
} from "@kruispunt/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type PseudonymiserKeys, pseudonymiseBatch } from "./pseudonymise";

let keys: PseudonymiserKeys;
let opener: BatchOpener;
let blind: PseudonymiserBlindKeys;
const linker: { pair: ElementKeyPair } = {
  pair: { secretKey: new Uint8Array(), publicKey: new Uint8Array() },
};
const linkageKey = new Uint8Array(32).fill(9);
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");

beforeAll(async () => {
  await cryptoReady();
  await blindReady();
  const ring = generateKeyring(["linkage", "seal"]);
  const seal = ring.keys.find((k) => k.purpose === "seal") as { secretKey: Uint8Array };
  keys = {
    ring,
    linkageKeyVersion: 1,
    keyId: linkageKeyId(ring, 1),
    keyringFingerprint: keyringFingerprint(ring),
    sealPublicKey: publicKeyOf(ring, "seal"),
    sealSecretKey: seal.secretKey,
  };
  opener = new BatchOpener(keys.sealPublicKey, keys.sealSecretKey);
  const k = generateReshuffleScalar();
  blind = { reshuffleScalar: k, reshuffleKeyId: reshuffleKeyId(k) };
  linker.pair = generateElGamalKeyPair();
});

function message(record: Partial<SourceRecord>, offset: number) {
  const full: SourceRecord = {
    agency: "alpha",
    dataset: "persons",
    sourceRecordId: String(offset),
    version: 1,
    scheme: "febrl-ssn",
    sealedIdentifier: "",
    variables: { state: "nsw" },
    uploadId: "u",
    withdrawn: false,
    ...record,
  };
  return {
    topic: "records.intake",
    partition: 0,
    offset: String(offset),
    key: "k",
    value: encodeEvent("SourceRecord", full),
  };
}

describe("pseudonymiseBatch, blind mode", () => {
  it("reshuffles in one batch, forwards no pseudonym, refuses a bad ciphertext by code", () => {
    const cts = encryptIdentifiers(linker.pair.publicKey, [
      { scheme: "febrl-ssn", canonical: "1234567" },
      { scheme: "febrl-ssn", canonical: "1234567" },
    ]).map(b64);
    const bad = b64(new Uint8Array(64).fill(0xff));
    const outcome = pseudonymiseBatch(
      [
        message({ blindCiphertext: cts[0] }, 0),
        message({ blindCiphertext: bad }, 1),
        message({ blindCiphertext: cts[1] }, 2),
      ],
      keys,
      opener,
      blind,
    );
    expect(outcome.deadLetters.map((d) => [d.sourceRecordId, d.code])).toEqual([
      ["1", "KRP_ERR_BLIND_INVALID_CIPHERTEXT"],
    ]);
    expect(outcome.counts.get("alpha/persons")).toEqual({
      pseudonymised: 2,
      noIdentifier: 0,
      refused: 1,
      withdrawn: 0,
    });
    const out = outcome.pseudonymised.map((m) => decodeEvent("PseudonymisedRecord", m.value));
    expect(outcome.pseudonymised.map((m) => m.key)).toEqual(["alpha/persons/0", "alpha/persons/2"]);
    expect(out.map((r) => [r.linkagePseudonym, r.keyId, r.keyVersion])).toEqual([
      ["", blind.reshuffleKeyId, 1],
      ["", blind.reshuffleKeyId, 1],
    ]);
    const [p, q] = blindLinkagePseudonyms(
      linker.pair.secretKey,
      linkageKey,
      out.map((r) => new Uint8Array(Buffer.from(r.reshuffledCiphertext ?? "", "base64url"))),
    );
    expect(p).toMatch(/^[0-9a-f]{64}$/);
    expect(p).toBe(q);
  });

  it("refuses blind records when the pseudonymiser has no blind key", () => {
    const [ct] = encryptIdentifiers(linker.pair.publicKey, [
      { scheme: "febrl-ssn", canonical: "7654321" },
    ]);
    const outcome = pseudonymiseBatch(
      [message({ blindCiphertext: b64(ct as Uint8Array) }, 0)],
      keys,
      opener,
    );
    expect(outcome.pseudonymised).toEqual([]);
    expect(outcome.deadLetters.map((d) => d.code)).toEqual(["KRP_ERR_BLIND_KEYS_MISSING"]);
  });
});
