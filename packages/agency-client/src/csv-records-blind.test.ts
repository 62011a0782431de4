import { Readable } from "node:stream";
import {
  blindLinkagePseudonyms,
  blindReady,
  generateElGamalKeyPair,
  generateReshuffleScalar,
  reshuffleCiphertexts,
} from "@kruispunt/blind";
import { contractSchema, decodeEvent } from "@kruispunt/contracts";
import { cryptoReady, generateKeyring, publicKeyOf } from "@kruispunt/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { processUpload } from "./csv-records";

const contract = contractSchema.parse({
  identifier: { field: "ssn", scheme: "febrl-ssn" },
  sourceRecordId: "id",
  variables: [{ name: "state", type: "string" }],
  mode: "blind",
});
const csv = "id,ssn,state\n1,1234567,nsw\n2,7654321,vic\n3,1234567,qld\n4,12x,nsw\n";
let sealPublicKey: Uint8Array;

beforeAll(async () => {
  await cryptoReady();
  await blindReady();
  sealPublicKey = publicKeyOf(generateKeyring(["seal"]), "seal");
});

describe("processUpload, blind-mode contract", () => {
  it("publishes ElGamal ciphertexts only (no sealed identifier), one encryption call per batch", async () => {
    const linker = generateElGamalKeyPair();
    const published: { key: string; value: Uint8Array }[][] = [];
    const verdict = await processUpload({
      agency: "alpha",
      dataset: "persons",
      uploadId: "u1",
      contract,
      body: Readable.from([csv]),
      sealPublicKey,
      elgamalPublicKey: linker.publicKey,
      publish: async (messages) => {
        published.push(messages);
      },
      batchSize: 2,
    });
    expect(verdict).toMatchObject({ submitted: 4, accepted: 3, refused: 1 });
    expect(published.map((b) => b.map((m) => m.key))).toEqual([
      ["alpha/persons/1", "alpha/persons/2"],
      ["alpha/persons/3"],
    ]);
    const records = published.flat().map((m) => decodeEvent("SourceRecord", m.value));
    expect(records.map((r) => [r.sealedIdentifier, r.batchSealed, r.variables.state])).toEqual([
      ["", null, "nsw"],
      ["", null, "vic"],
      ["", null, "qld"],
    ]);
    const cts = records.map(
      (r) => new Uint8Array(Buffer.from(r.blindCiphertext ?? "", "base64url")),
    );
    expect(cts.map((c) => c.length)).toEqual([64, 64, 64]);
    // Equal identifiers: different ciphertexts, same pseudonym after reshuffle + decrypt.
    expect(records[0]?.blindCiphertext).not.toBe(records[2]?.blindCiphertext);
    const [p1, p2, p3] = blindLinkagePseudonyms(
      linker.secretKey,
      new Uint8Array(32).fill(1),
      reshuffleCiphertexts(generateReshuffleScalar(), cts),
    );
    expect(p1).toBe(p3);
    expect(p1).not.toBe(p2);
  });

  it("refuses to start without the linker's public key", async () => {
    await expect(
      processUpload({
        agency: "alpha",
        dataset: "persons",
        uploadId: "u2",
        contract,
        body: Readable.from([csv]),
        sealPublicKey,
        publish: async () => {},
      }),
    ).rejects.toThrow("a blind-mode dataset needs the linker's ElGamal public key");
  });
});
