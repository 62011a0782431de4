import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { nativeBackend, wasmBackend } from "./backend";
import { encryptIdentifiers, generateElGamalKeyPair, generateReshuffleScalar } from "./elgamal";
import { availableBlindBackends, blindBackendName, blindReady } from "./sodium";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

beforeAll(async () => {
  await blindReady({ backend: "wasm" });
});

describe("ristretto255 backends", () => {
  it("the native backend is built wherever libsodium-dev is installed (pnpm install builds it)", () => {
    const headers = existsSync("/usr/include/sodium/crypto_scalarmult_ristretto255.h");
    expect(availableBlindBackends().includes("native")).toBe(headers);
  });

  it("KRUISPUNT_BLIND_BACKEND / the option picks the backend; unknown names are refused", async () => {
    await blindReady({ backend: "wasm" });
    expect(blindBackendName()).toBe("wasm");
    await expect(blindReady({ backend: "gpu" })).rejects.toThrow(
      "KRUISPUNT_BLIND_BACKEND must be auto, native or wasm",
    );
    await blindReady({ backend: "auto" });
    expect(blindBackendName()).toBe(availableBlindBackends()[0]);
  });

  it.runIf(availableBlindBackends().includes("native"))(
    "native and wasm give the same bytes for every batch operation, and fail at the same index",
    () => {
      const native = nativeBackend();
      const wasm = wasmBackend();
      if (!native) throw new Error("native backend expected");
      const { secretKey: x, publicKey: pk } = generateElGamalKeyPair();
      const k = generateReshuffleScalar();
      const n = 8;
      const cts = new Uint8Array(64 * n);
      encryptIdentifiers(
        pk,
        Array.from({ length: n }, (_, i) => ({ scheme: "febrl-ssn", canonical: `${1000000 + i}` })),
      ).forEach((ct, i) => {
        cts.set(ct, 64 * i);
      });
      const run = (b: typeof native) => {
        const uniform = new Uint8Array(64 * n).map((_, i) => (i * 37 + 11) & 0xff);
        const wide = new Uint8Array(64 * n).map((_, i) => (i * 53 + 7) & 0xff);
        const m = new Uint8Array(32 * n);
        const r = new Uint8Array(32 * n);
        const base = new Uint8Array(32 * n);
        const enc = new Uint8Array(64 * n);
        const shuffled = new Uint8Array(64 * n);
        const dec = new Uint8Array(32 * n);
        const inv = new Uint8Array(32);
        const status = [
          b.fromHash(m, uniform),
          b.scalarReduce(r, wide),
          b.scalarMultBase(base, r),
          b.encrypt(enc, pk, m, r),
          b.reshuffle(shuffled, k, cts),
          b.decrypt(dec, x, shuffled),
          b.scalarInvert(inv, k),
          b.isValidPoint(base),
        ];
        const bad = new Uint8Array(cts);
        bad.fill(0xff, 64 * 5 + 32, 64 * 6); // ciphertext 5, part c2
        const failures = [
          b.reshuffle(new Uint8Array(64 * n), k, bad),
          b.decrypt(new Uint8Array(32 * n), x, bad),
          b.isValidPoint(bad),
          b.scalarReduce(new Uint8Array(32), new Uint8Array(64)),
        ];
        return { status, failures, out: [m, r, base, enc, shuffled, dec, inv].map(hex) };
      };
      const a = run(native);
      const w = run(wasm);
      expect(a.status).toEqual([-1, -1, -1, -1, -1, -1, -1, -1]);
      expect(a.failures).toEqual([11, 11, 11, 0]);
      expect(w).toEqual(a);
    },
  );
});
