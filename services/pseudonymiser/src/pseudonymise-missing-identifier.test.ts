/**
 * A record that arrives without an identifier (SourceRecord.missing_identifier, contract
 * identifier.whenUnusable "link_probabilistically"): the pseudonymiser gives it the
 * record pseudonym (known answers computed with openssl and python3 hmac, see
 * packages/crypto record-pseudonym.test.ts) and its PPRL encoding, or dead-letters it.
 */
import { createHmac } from "node:crypto";
import { decodeEvent, encodeEvent, type SourceRecord } from "@kruispunt/contracts";
import {
  BatchOpener,
  BatchSealer,
  cryptoReady,
  currentKey,
  generateKeyring,
  type Keyring,
  keyringFingerprint,
  linkageKeyId,
  publicKeyOf,
} from "@kruispunt/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { encoderFor } from "./encode-quasi-identifiers";
import { type PseudonymiserKeys, pseudonymiseBatch } from "./pseudonymise";

// Linkage key 0x00..0x1f (version 1) and 0x40..0x5f (version 2).
const K1 = new Uint8Array(Array.from({ length: 32 }, (_, i) => i));
const K2 = new Uint8Array(Array.from({ length: 32 }, (_, i) => 0x40 + i));
// printf 'kruispunt/record-pseudonym/v1\0alpha\0persons\0r-17' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f
const RP1 = "dbf1a3d497ef9241a15b5ac08073c93f060107b9efde59cb490da5f8e6699208";
// HMAC-SHA-256(K2, "kruispunt/rekey/v1" ‖ 0x00 ‖ bytes(RP1)), python3 hmac
const RP2 = "259d9a052d7f854182e450d915b4e47d43fd45f9a4408776e0c51985b3df0611";

let opener: BatchOpener;
let sealer: BatchSealer;
let base: Keyring;

function keysAt(version: 1 | 2, withEncoder = true): PseudonymiserKeys {
  const linkage = [
    { purpose: "linkage" as const, version: 1, key: K1, createdAt: "2026-11-29T00:00:00Z" },
    { purpose: "linkage" as const, version: 2, key: K2, createdAt: "2026-11-29T00:00:00Z" },
  ].slice(0, version);
  const ring: Keyring = {
    ...base,
    keys: [...base.keys.filter((k) => k.purpose !== "linkage"), ...linkage],
  };
  return {
    ring,
    linkageKeyVersion: version,
    keyId: linkageKeyId(ring, version),
    keyringFingerprint: keyringFingerprint(ring),
    sealPublicKey: publicKeyOf(ring, "seal"),
    sealSecretKey: currentKey(ring, "seal").secretKey,
    ...(withEncoder ? { encoder: encoderFor(currentKey(ring, "linkage")) } : {}),
  };
}

beforeAll(async () => {
  await cryptoReady();
  base = generateKeyring(["seal"]);
  opener = new BatchOpener(publicKeyOf(base, "seal"), currentKey(base, "seal").secretKey);
  sealer = new BatchSealer(publicKeyOf(base, "seal"));
});

function message(id: string, record: Partial<SourceRecord>, offset = 1) {
  const full: SourceRecord = {
    agency: "alpha",
    dataset: "persons",
    sourceRecordId: id,
    version: 1,
    scheme: "be-insz",
    sealedIdentifier: "",
    variables: { region: "vlg" },
    uploadId: "u",
    withdrawn: false,
    missingIdentifier: "KRP_ID_BAD_CHECK_DIGITS",
    sealedQuasiIdentifiers: sealer.seal(
      JSON.stringify({ given_name: "Lien", surname: "Jacobs" }),
      `alpha/persons/${id}#qi`,
    ),
    ...record,
  };
  return {
    topic: "records.intake",
    partition: 0,
    offset: String(offset),
    key: `alpha/persons/${id}`,
    value: encodeEvent("SourceRecord", full),
  };
}

describe("a record without an identifier", () => {
  it("gets the record pseudonym and its PPRL encoding, the same on every re-send", () => {
    const keys = keysAt(1);
    const outcome = pseudonymiseBatch(
      [message("r-17", {}, 1), message("r-17", {}, 2)],
      keys,
      opener,
    );
    expect(outcome.deadLetters).toEqual([]);
    const [first, again] = outcome.pseudonymised;
    expect(first?.key).toBe(RP1);
    // Deterministic: a re-sent record is the same message (the linker sees an unchanged version).
    expect(Buffer.from(again?.value ?? []).equals(Buffer.from(first?.value ?? []))).toBe(true);
    const out = decodeEvent("PseudonymisedRecord", first?.value ?? new Uint8Array());
    expect([out.linkagePseudonym, out.keyVersion, out.keyId, out.variables]).toEqual([
      RP1,
      1,
      keys.keyId,
      { region: "vlg" },
    ]);
    expect(out.pprl?.schemaId).toBe("kruispunt-person/v1");
    expect(out.pprl?.blockingKeys.length).toBeGreaterThan(0);
    expect(outcome.counts.get("alpha/persons")).toEqual({
      pseudonymised: 2,
      noIdentifier: 2,
      refused: 0,
      withdrawn: 0,
    });
    // Independently of packages/crypto: node's HMAC over the documented layout.
    expect(
      createHmac("sha256", K1)
        .update(Buffer.from("kruispunt/record-pseudonym/v1\0alpha\0persons\0r-17"))
        .digest("hex"),
    ).toBe(RP1);
    const bytes = Buffer.from(first?.value ?? []).toString("latin1");
    for (const value of ["Lien", "Jacobs", "KRP_ID"]) expect(bytes).not.toContain(value);
  });

  it("is moved forward through key rotation like any linkage pseudonym", () => {
    const outcome = pseudonymiseBatch([message("r-17", {})], keysAt(2), opener);
    const out = decodeEvent("PseudonymisedRecord", outcome.pseudonymised[0]?.value as Uint8Array);
    expect([out.linkagePseudonym, out.keyVersion]).toEqual([RP2, 2]);
  });

  it("is dead-lettered if it carries an identifier after all, nothing to link on, or no PPRL key", () => {
    const outcome = pseudonymiseBatch(
      [
        message("a", { batchSealed: sealer.seal("85073003328", "alpha/persons/a") }, 1),
        message("b", { sealedIdentifier: "c2VhbGVk" }, 2),
        message("c", { blindCiphertext: "AAAA" }, 3),
        message("d", { sealedQuasiIdentifiers: null }, 4),
        // Quasi-identifiers sealed for another record do not open.
        message("e", { sealedQuasiIdentifiers: sealer.seal("{}", "alpha/persons/f#qi") }, 5),
      ],
      keysAt(1),
      opener,
    );
    expect(outcome.pseudonymised).toEqual([]);
    expect(outcome.deadLetters.map((d) => [d.sourceRecordId, d.code])).toEqual([
      ["a", "KRP_ERR_UNEXPECTED_IDENTIFIER"],
      ["b", "KRP_ERR_UNEXPECTED_IDENTIFIER"],
      ["c", "KRP_ERR_UNEXPECTED_IDENTIFIER"],
      ["d", "KRP_ERR_NOTHING_TO_LINK"],
      ["e", "KRP_ERR_SEAL_OPEN_FAILED"],
    ]);
    const noKey = pseudonymiseBatch([message("g", {})], keysAt(1, false), opener);
    expect(noKey.deadLetters.map((d) => d.code)).toEqual(["KRP_ERR_PPRL_KEY_MISSING"]);
    expect(JSON.stringify(outcome.deadLetters)).not.toContain("85073003328");
  });
});
