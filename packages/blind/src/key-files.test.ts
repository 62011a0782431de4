import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  blindKeyFiles,
  blindPseudonymKeyId,
  ensureBlindKeys,
  readLinkerBlindKeys,
  readLinkerElGamalPublicKey,
  readPseudonymiserBlindKeys,
  reshuffleKeyId,
} from "./key-files";
import { blindReady } from "./sodium";

beforeAll(async () => {
  await blindReady();
});

describe("blind key files", () => {
  it("creates missing files once, 0600 for secrets, and reads them back", () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-blind-"));
    const files = blindKeyFiles(dir);
    expect(ensureBlindKeys(dir)).toEqual([
      files.pseudonymiser,
      files.linker,
      files.linkerElGamalPublic,
    ]);
    expect(ensureBlindKeys(dir)).toEqual([]);
    expect(statSync(files.pseudonymiser).mode & 0o777).toBe(0o600);
    expect(statSync(files.linker).mode & 0o777).toBe(0o600);
    const linker = readLinkerBlindKeys(dir);
    const pk = readLinkerElGamalPublicKey(dir);
    expect(Buffer.from(pk).toString("hex")).toBe(
      Buffer.from(linker?.elgamalPublicKey ?? []).toString("hex"),
    );
    expect(readFileSync(files.linkerElGamalPublic, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    expect(readPseudonymiserBlindKeys(dir)?.reshuffleKeyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("returns null when the files do not exist", () => {
    const dir = mkdtempSync(join(tmpdir(), "kp-blind-"));
    expect(readPseudonymiserBlindKeys(dir)).toBeNull();
    expect(readLinkerBlindKeys(dir)).toBeNull();
  });

  it("key ids: known answers, and blind ids never look like keyed ones", () => {
    const k = new Uint8Array(32);
    k[0] = 2;
    const id = reshuffleKeyId(k);
    expect(id).toBe("673b42f92517d612");
    expect(blindPseudonymKeyId(id, new Uint8Array(32).fill(7))).toBe("blind-ea225916c8570cf0");
  });
});
