import { decodeEvent, encodeEvent, type SourceRecord } from "@kruispunt/contracts";
import {
  BatchOpener,
  BatchSealer,
  cryptoReady,
  generateKeyring,
  keyringFingerprint,
  linkageKeyId,
  publicKeyOf,
  sealIdentifier,
  versionedLinkagePseudonym,
} from "@kruispunt/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { type PseudonymiserKeys, pseudonymiseBatch } from "./pseudonymise";

let keys: PseudonymiserKeys;
let opener: BatchOpener;

beforeAll(async () => {
  await cryptoReady();
  const ring = generateKeyring(["linkage", "seal"]);
  const seal = ring.keys.find((k) => k.purpose === "seal") as {
    publicKey: Uint8Array;
    secretKey: Uint8Array;
  };
  keys = {
    ring,
    linkageKeyVersion: 1,
    keyId: linkageKeyId(ring, 1),
    keyringFingerprint: keyringFingerprint(ring),
    sealPublicKey: publicKeyOf(ring, "seal"),
    sealSecretKey: seal.secretKey,
  };
  opener = new BatchOpener(keys.sealPublicKey, keys.sealSecretKey);
});

function message(record: Partial<SourceRecord>, offset: number) {
  const full: SourceRecord = {
    agency: "alpha",
    dataset: "persons",
    sourceRecordId: String(offset),
    version: 1,
    scheme: "be-insz",
    sealedIdentifier: "",
    variables: { state: "vlg" },
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

describe("pseudonymiseBatch", () => {
  it("opens batch-sealed and one-by-one sealed identifiers and emits the linkage pseudonym only", () => {
    const sealer = new BatchSealer(keys.sealPublicKey);
    const outcome = pseudonymiseBatch(
      [
        message({ batchSealed: sealer.seal("85073003328", "alpha/persons/1") }, 1),
        message({ sealedIdentifier: sealIdentifier(keys.sealPublicKey, "85073003328") }, 2),
      ],
      keys,
      opener,
    );
    const expected = versionedLinkagePseudonym(keys.ring, "be-insz", "85073003328").pseudonym;
    const out = outcome.pseudonymised.map((m) => decodeEvent("PseudonymisedRecord", m.value));
    expect(out.map((r) => [r.sourceRecordId, r.linkagePseudonym, r.keyId, r.variables])).toEqual([
      ["1", expected, keys.keyId, { state: "vlg" }],
      ["2", expected, keys.keyId, { state: "vlg" }],
    ]);
    expect(outcome.pseudonymised.map((m) => m.key)).toEqual([expected, expected]);
    expect(
      Buffer.concat(outcome.pseudonymised.map((m) => Buffer.from(m.value))).toString("latin1"),
    ).not.toContain("85073003328");
    expect(outcome.counts.get("alpha/persons")).toEqual({
      pseudonymised: 2,
      noIdentifier: 0,
      refused: 0,
      withdrawn: 0,
    });
  });

  it("sends a ciphertext moved to another record, or an invalid identifier, to the dead letters without the identifier", () => {
    const sealer = new BatchSealer(keys.sealPublicKey);
    const outcome = pseudonymiseBatch(
      [
        message({ batchSealed: sealer.seal("85073003328", "alpha/persons/1") }, 7), // sealed for record 1, sent as record 7
        message({ batchSealed: sealer.seal("85073003329", "alpha/persons/8") }, 8), // bad check digits
      ],
      keys,
      opener,
    );
    expect(outcome.pseudonymised).toEqual([]);
    expect(outcome.deadLetters.map((d) => [d.sourceRecordId, d.code])).toEqual([
      ["7", "KRP_ERR_SEAL_OPEN_FAILED"],
      ["8", "KRP_ID_BAD_CHECK_DIGITS"],
    ]);
    expect(JSON.stringify(outcome.deadLetters)).not.toMatch(/8507300332/);
  });
});
