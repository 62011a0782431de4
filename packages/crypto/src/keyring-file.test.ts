import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyringError } from "./errors";
import {
  currentKey,
  generateKeyring,
  isSymmetricKey,
  type Keyring,
  keyringFingerprint,
  readKeyring,
  writeKeyring,
} from "./keyring";
import { cryptoReady } from "./sodium";

let root: string;
let n = 0;
const fresh = () => join(root, `case-${n++}`, "keys", "keyring.json");

beforeAll(async () => {
  await cryptoReady();
  root = mkdtempSync(join(tmpdir(), "kruispunt-keyring-test-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Every secret of the ring as hex, plus a 16-character slice of each. */
function secretsOf(ring: Keyring): string[] {
  return ring.keys
    .map((k) => hex(isSymmetricKey(k) ? k.key : k.secretKey))
    .flatMap((h) => [h, h.slice(8, 24)]);
}

function keyringError(fn: () => unknown): KeyringError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyringError);
    return err as KeyringError;
  }
  throw new Error("expected a KeyringError");
}

function expectNoSecrets(err: KeyringError, ring: Keyring): void {
  const shown = `${err.message}\n${JSON.stringify(err)}\n${String(err.stack)}`;
  for (const s of secretsOf(ring)) expect(shown).not.toContain(s);
}

describe("writeKeyring / readKeyring", () => {
  it("round-trips every purpose with identical keys and fingerprint", () => {
    const ring = generateKeyring(["linkage", "release", "seal", "signing"]);
    const path = fresh();
    writeKeyring(path, ring);
    const back = readKeyring(path);
    expect(back).toEqual(ring);
    expect(keyringFingerprint(back)).toBe(keyringFingerprint(ring));
  });

  it("creates the file 0600 and missing parent directories 0700", () => {
    const path = fresh();
    writeKeyring(path, generateKeyring(["linkage"]));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(statSync(join(path, "..", "..")).mode & 0o777).toBe(0o700);
  });

  it("refuses to overwrite unless asked, and leaves no temporary files", () => {
    const path = fresh();
    const first = generateKeyring(["linkage"]);
    const second = generateKeyring(["linkage"]);
    writeKeyring(path, first);
    expect(keyringError(() => writeKeyring(path, second)).code).toBe("KRP_ERR_KEYRING_EXISTS");
    expect(keyringFingerprint(readKeyring(path))).toBe(keyringFingerprint(first));
    writeKeyring(path, second, { overwrite: true });
    expect(keyringFingerprint(readKeyring(path))).toBe(keyringFingerprint(second));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const dir = join(path, "..");
    expect(readdirSync(dir)).toEqual(["keyring.json"]);
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o606])(
    "refuses mode %o, without key material in the error",
    (mode) => {
      const ring = generateKeyring(["linkage", "seal"]);
      const path = fresh();
      writeKeyring(path, ring);
      chmodSync(path, mode);
      const err = keyringError(() => readKeyring(path));
      expect(err.code).toBe("KRP_ERR_KEYRING_PERMISSIONS");
      expectNoSecrets(err, ring);
    },
  );

  it("accepts the stricter mode 0400", () => {
    const path = fresh();
    const ring = generateKeyring(["release"]);
    writeKeyring(path, ring);
    chmodSync(path, 0o400);
    expect(keyringFingerprint(readKeyring(path))).toBe(keyringFingerprint(ring));
  });

  it("reports a missing file as KRP_ERR_KEYRING_IO", () => {
    expect(keyringError(() => readKeyring(join(root, "absent.json"))).code).toBe(
      "KRP_ERR_KEYRING_IO",
    );
  });
});

describe("readKeyring format errors", () => {
  let ring: Keyring;
  beforeAll(() => {
    ring = generateKeyring(["linkage", "seal", "signing"]);
  });
  const good = () =>
    JSON.parse(readFileSync(writeGood(), "utf8")) as {
      format: string;
      keys: Record<string, unknown>[];
    };
  function writeGood(): string {
    const path = fresh();
    writeKeyring(path, ring);
    return path;
  }
  function readText(text: string): KeyringError {
    const path = writeGood();
    writeFileSync(path, text, { mode: 0o600 });
    return keyringError(() => readKeyring(path));
  }
  const readJson = (value: unknown) => readText(JSON.stringify(value));

  it("refuses truncated JSON without echoing its content", () => {
    const text = readFileSync(writeGood(), "utf8");
    const err = readText(text.slice(0, text.length / 2));
    expect(err.code).toBe("KRP_ERR_KEYRING_FORMAT");
    expectNoSecrets(err, ring);
  });

  it("refuses invalid JSON whose parser message would quote a secret", () => {
    const secret = hex(currentKey(ring, "linkage").key);
    const err = readText(`{"format": ${secret}}`);
    expect(err.code).toBe("KRP_ERR_KEYRING_FORMAT");
    expectNoSecrets(err, ring);
  });

  it.each<[string, (v: ReturnType<typeof good>) => unknown]>([
    ["wrong format tag", (v) => ({ ...v, format: "kruispunt-keyring/2" })],
    ["not an object", () => []],
    ["keys not an array", (v) => ({ ...v, keys: {} })],
    ["unknown top-level field", (v) => ({ ...v, extra: 1 })],
    ["unknown purpose", (v) => ({ ...v, keys: [{ ...v.keys[0], purpose: "master" }] })],
    ["version 0", (v) => ({ ...v, keys: [{ ...v.keys[0], version: 0 }] })],
    ["fractional version", (v) => ({ ...v, keys: [{ ...v.keys[0], version: 1.5 }] })],
    ["bad createdAt", (v) => ({ ...v, keys: [{ ...v.keys[0], createdAt: "yesterday" }] })],
    ["short key", (v) => ({ ...v, keys: [{ ...v.keys[0], key: "abcd" }] })],
    [
      "uppercase hex",
      (v) => ({ ...v, keys: [{ ...v.keys[0], key: String(v.keys[0]?.key).toUpperCase() }] }),
    ],
    ["misspelt field", (v) => ({ ...v, keys: [{ ...v.keys[0], keyHex: v.keys[0]?.key }] })],
    ["duplicate version", (v) => ({ ...v, keys: [v.keys[0], v.keys[0]] })],
    [
      "seal pair that does not match",
      (v) => ({ ...v, keys: [{ ...v.keys[1], publicKey: v.keys[2]?.publicKey }] }),
    ],
    [
      "signing key whose stored public half differs",
      (v) => ({ ...v, keys: [{ ...v.keys[2], publicKey: v.keys[1]?.publicKey }] }),
    ],
  ])("refuses %s", (_name, mutate) => {
    const err = readJson(mutate(good()));
    expect(err.code).toBe("KRP_ERR_KEYRING_FORMAT");
    expectNoSecrets(err, ring);
  });
});
