import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { BlindErrorCode } from "./errors";
import { blind, blindEvaluate, deriveKeyPair, finalize } from "./oprf";
import { availableBlindBackends, blindReady } from "./sodium";

interface Vectors {
  identifier: string;
  mode: number;
  Seed: string;
  KeyInfo: string;
  skSm: string;
  vectors: {
    Input: string;
    Blind: string;
    BlindedElement: string;
    EvaluationElement: string;
    Output: string;
  }[];
}

// RFC 9497 Appendix A.1.1, kept in the shared data directory next to the checkout.
const VECTORS_PATH = new URL(
  "../../../../shared/data/rfc9497/oprf-ristretto255-sha512.json",
  import.meta.url,
);
const v = JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as Vectors;
const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe.each(availableBlindBackends())(
  "RFC 9497 OPRF(ristretto255, SHA-512) mode 0x00, Appendix A.1.1, %s backend",
  (backendName) => {
    beforeAll(async () => {
      await blindReady({ backend: backendName });
    });

    it("the vector file is the suite's OPRF mode", () => {
      expect(v.identifier).toBe("ristretto255-SHA512");
      expect(v.mode).toBe(0);
      expect(v.vectors).toHaveLength(2);
    });

    it("DeriveKeyPair(Seed, KeyInfo) gives skSm", () => {
      const { secretKey } = deriveKeyPair(hex(v.Seed), hex(v.KeyInfo));
      expect(toHex(secretKey)).toBe(v.skSm);
    });

    for (const [i, t] of v.vectors.entries()) {
      it(`vector ${i + 1}: Blind, BlindEvaluate and Finalize byte for byte`, () => {
        const { secretKey } = deriveKeyPair(hex(v.Seed), hex(v.KeyInfo));
        const { blindedElement } = blind(hex(t.Input), hex(t.Blind));
        expect(toHex(blindedElement)).toBe(t.BlindedElement);
        const evaluated = blindEvaluate(secretKey, blindedElement);
        expect(toHex(evaluated)).toBe(t.EvaluationElement);
        expect(toHex(finalize(hex(t.Input), hex(t.Blind), evaluated))).toBe(t.Output);
      });
    }

    it("BlindEvaluate refuses a blinded element that is not a valid point", () => {
      const { secretKey } = deriveKeyPair(hex(v.Seed), hex(v.KeyInfo));
      expect(() => blindEvaluate(secretKey, new Uint8Array(32).fill(0xff))).toThrow(
        expect.objectContaining({ code: BlindErrorCode.KRP_ERR_BLIND_INVALID_POINT }),
      );
    });
  },
);
