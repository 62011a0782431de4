import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blindLinkagePseudonyms,
  encryptIdentifiers,
  generateElGamalKeyPair,
  generateReshuffleScalar,
  reshuffleCiphertexts,
} from "./elgamal";
import { BlindErrorCode } from "./errors";
import { BlindWorkerPool } from "./pool";
import { availableBlindBackends, blindReady } from "./sodium";

const linkageKey = new Uint8Array(32).fill(9);
const ids = Array.from({ length: 37 }, (_, i) => ({
  scheme: "febrl-ssn",
  canonical: String(2_000_000 + (i % 11)),
}));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("BlindWorkerPool lifecycle", () => {
  it("close() rejects what is still pending instead of leaving it hanging", async () => {
    await blindReady({ backend: "wasm" });
    const pool = await BlindWorkerPool.start({ size: 1, backend: "wasm" });
    const { publicKey: pk } = generateElGamalKeyPair();
    const many = Array.from({ length: 2_000 }, (_, i) => ({
      scheme: "febrl-ssn",
      canonical: String(3_000_000 + i),
    }));
    const pending = pool.encryptIdentifiers(pk, many);
    await pool.close();
    await expect(pending).rejects.toThrow("blind worker pool closed");
  }, 120_000);
});

describe.each(availableBlindBackends())("BlindWorkerPool, %s backend", (backendName) => {
  let pool: BlindWorkerPool;
  beforeAll(async () => {
    await blindReady({ backend: backendName });
    pool = await BlindWorkerPool.start({ size: 3, backend: backendName });
  }, 120_000); // each worker loads TypeScript through tsx: seconds on a loaded machine
  afterAll(async () => {
    await pool.close();
  });

  it("gives the synchronous API's pseudonyms, in order, through all three parties", async () => {
    const { secretKey: x, publicKey: pk } = generateElGamalKeyPair();
    const k = generateReshuffleScalar();
    const cts = await pool.encryptIdentifiers(pk, ids);
    expect(cts).toHaveLength(37);
    // Fresh r per identifier: even the 4 repeats of each identifier encrypt differently.
    expect(new Set(cts.map(hex)).size).toBe(37);
    const shuffled = await pool.reshuffleCiphertexts(k, cts);
    expect(shuffled.map(hex)).toEqual(reshuffleCiphertexts(k, cts).map(hex));
    const pooled = await pool.blindLinkagePseudonyms(x, linkageKey, shuffled);
    const sync = blindLinkagePseudonyms(
      x,
      linkageKey,
      reshuffleCiphertexts(k, encryptIdentifiers(pk, ids)),
    );
    expect(pooled).toEqual(sync);
    expect(new Set(pooled).size).toBe(11);
  });

  it("names the failing record by its index in the whole batch, not in a worker's chunk", async () => {
    const { secretKey: x, publicKey: pk } = generateElGamalKeyPair();
    const k = generateReshuffleScalar();
    const cts = encryptIdentifiers(pk, ids);
    const bad = new Uint8Array(cts[30] as Uint8Array);
    bad.fill(0xff, 0, 32);
    cts[30] = bad; // chunks of 13: record 30 is the third worker's record 4
    await expect(pool.reshuffleCiphertexts(k, cts)).rejects.toMatchObject({
      code: BlindErrorCode.KRP_ERR_BLIND_INVALID_POINT,
      message: "ciphertext 30 part c1 is not a valid ristretto255 point",
    });
    await expect(pool.decryptCiphertexts(x, cts)).rejects.toMatchObject({
      message: "ciphertext 30 part c1 is not a valid ristretto255 point",
    });
    await expect(pool.reshuffleCiphertexts(k, [new Uint8Array(63)])).rejects.toThrow(
      "ciphertext 0 must be 64 bytes",
    );
    await expect(
      pool.encryptIdentifiers(pk, [...ids, { scheme: "Bad Scheme", canonical: "1234567" }]),
    ).rejects.toMatchObject({
      code: BlindErrorCode.KRP_ERR_BLIND_BAD_INPUT,
      message: "scheme name has the wrong shape",
    });
  });
});
