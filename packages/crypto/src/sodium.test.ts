// Vitest gives each test file its own module graph, so here cryptoReady() has not run yet.
import { describe, expect, it } from "vitest";
import { hmacSha256, sha256Hex } from "./hash";
import { cryptoReady } from "./sodium";

describe("cryptoReady", () => {
  it("is required before use, with a clear error", async () => {
    expect(() => sha256Hex("x")).toThrowError(/await cryptoReady\(\)/);
    expect(() => hmacSha256(new Uint8Array(32), new Uint8Array(0))).toThrowError(
      expect.objectContaining({ code: "KRP_ERR_CRYPTO_NOT_READY" }),
    );
    await cryptoReady();
    await cryptoReady(); // idempotent
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
