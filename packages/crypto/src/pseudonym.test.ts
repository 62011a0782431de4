import { createHmac } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  deriveProjectKey,
  linkagePseudonym,
  projectPseudonym,
  projectPseudonymizer,
} from "./pseudonym";
import { cryptoReady } from "./sodium";

beforeAll(cryptoReady);

const range = (from: number, to: number) =>
  Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
const code = (c: string) => expect.objectContaining({ code: c });

const LINKAGE_KEY = range(0x00, 0x1f);
const RELEASE_MASTER_KEY = range(0x20, 0x3f);
// Canonical form of the INSZ written "85.07.30-033.28", as returned by
// getScheme("be-insz").validate() in @kruispunt/identifiers (not imported: crypto must
// not depend on identifiers).
const CANONICAL_INSZ = "85073003328";
const LINKAGE_KAT = "83484b4b37b4c00fb34d4d938400d195f27266883a6d0ee307d4ee4bb821a3fa";

describe("linkagePseudonym", () => {
  it("matches the known answer: HMAC(key, 'be-insz' || 0x00 || canonical)", () => {
    expect(linkagePseudonym(LINKAGE_KEY, "be-insz", CANONICAL_INSZ)).toBe(LINKAGE_KAT);
  });

  it("separates schemes and is not fooled by moving the separator", () => {
    const a = linkagePseudonym(LINKAGE_KEY, "be-insz", CANONICAL_INSZ);
    expect(linkagePseudonym(LINKAGE_KEY, "generic", CANONICAL_INSZ)).not.toBe(a);
    expect(linkagePseudonym(LINKAGE_KEY, "be-insz8", CANONICAL_INSZ.slice(1))).not.toBe(a);
  });

  it("refuses a key that is not 32 bytes, and a scheme that is empty or holds NUL", () => {
    expect(() => linkagePseudonym(new Uint8Array(31), "be-insz", "1")).toThrowError(
      code("KRP_ERR_BAD_KEY"),
    );
    expect(() => linkagePseudonym(LINKAGE_KEY, "", "1")).toThrowError(code("KRP_ERR_BAD_INPUT"));
    expect(() => linkagePseudonym(LINKAGE_KEY, "a\u0000b", "1")).toThrowError(
      code("KRP_ERR_BAD_INPUT"),
    );
  });

  it("is HMAC-SHA-256 of UTF-8(scheme) || 0x00 || UTF-8(canonical), per node:crypto", () => {
    const canonical = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.string({ unit: "binary", minLength: 1000, maxLength: 1100 }),
    );
    fc.assert(
      fc.property(fc.constantFrom("be-insz", "generic", "x\ud800"), canonical, (scheme, c) => {
        const mac = createHmac("sha256", LINKAGE_KEY).update(`${scheme}\u0000${c}`, "utf8");
        expect(linkagePseudonym(LINKAGE_KEY, scheme, c)).toBe(mac.digest("hex"));
      }),
    );
  });

  it("is 64 lowercase hex characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (canonical) => {
        expect(linkagePseudonym(LINKAGE_KEY, "generic", canonical)).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });
});

describe("project pseudonyms", () => {
  it("match the known answer computed independently with Python's hmac module", () => {
    // python3 -c "import hmac,hashlib; mk=bytes(range(0x20,0x40)); \
    //   pk=hmac.new(mk,b'kruispunt/project-key/v1\x00proj-demo',hashlib.sha256).digest(); \
    //   lp=bytes.fromhex('83484b4b37b4c00fb34d4d938400d195f27266883a6d0ee307d4ee4bb821a3fa'); \
    //   print(hmac.new(pk,b'kruispunt/project-pseudonym/v1\x00'+lp,hashlib.sha256).hexdigest())"
    // (also reproduced with `openssl dgst -sha256 -mac HMAC -macopt hexkey:…`)
    const projectKey = deriveProjectKey(RELEASE_MASTER_KEY, "proj-demo");
    expect(Buffer.from(projectKey).toString("hex")).toBe(
      "606d803f9ec4ca47281580a8ec51a1930c7a077d05730b2dd2ee820b3d1a4adb",
    );
    expect(projectPseudonym(projectKey, LINKAGE_KAT)).toBe(
      "f41c29904248e87174686c29097c44a21fa9610a5da06239603a09d5f3f40887",
    );
  });

  it("in bulk (projectPseudonymizer): the known answer, and projectPseudonym's output for any key and pseudonym", () => {
    const projectKey = deriveProjectKey(RELEASE_MASTER_KEY, "proj-demo");
    const bulk = projectPseudonymizer(projectKey);
    expect(bulk(LINKAGE_KAT)).toBe(
      "f41c29904248e87174686c29097c44a21fa9610a5da06239603a09d5f3f40887",
    );
    // Its message buffer is reused: a call is not affected by the one before.
    expect(bulk("00".repeat(32))).toBe(projectPseudonym(projectKey, "00".repeat(32)));
    expect(bulk(LINKAGE_KAT)).toBe(projectPseudonym(projectKey, LINKAGE_KAT));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 5 }),
        (key, pseudonyms) => {
          const f = projectPseudonymizer(key);
          for (const p of pseudonyms) {
            const hex = Buffer.from(p).toString("hex");
            expect(f(hex)).toBe(projectPseudonym(key, hex));
          }
        },
      ),
    );
    expect(() => projectPseudonymizer(new Uint8Array(31))).toThrowError(code("KRP_ERR_BAD_KEY"));
    for (const bad of [LINKAGE_KAT.toUpperCase(), LINKAGE_KAT.slice(2), "zz".repeat(32)])
      expect(() => bulk(bad)).toThrowError(code("KRP_ERR_BAD_INPUT"));
  });

  it("are stable within a project and differ between projects", () => {
    const a1 = projectPseudonym(deriveProjectKey(RELEASE_MASTER_KEY, "proj-a"), LINKAGE_KAT);
    const a2 = projectPseudonym(deriveProjectKey(RELEASE_MASTER_KEY, "proj-a"), LINKAGE_KAT);
    const b = projectPseudonym(deriveProjectKey(RELEASE_MASTER_KEY, "proj-b"), LINKAGE_KAT);
    expect(a1).toBe(a2);
    expect(a1).not.toBe(b);
    expect(a1).not.toBe(LINKAGE_KAT);
  });

  it("differ between people within a project", () => {
    const key = deriveProjectKey(RELEASE_MASTER_KEY, "proj-a");
    const other = linkagePseudonym(LINKAGE_KEY, "be-insz", "17073003384");
    expect(projectPseudonym(key, LINKAGE_KAT)).not.toBe(projectPseudonym(key, other));
  });

  it("refuse malformed input", () => {
    const key = deriveProjectKey(RELEASE_MASTER_KEY, "proj-a");
    expect(() => deriveProjectKey(new Uint8Array(16), "p")).toThrowError(code("KRP_ERR_BAD_KEY"));
    expect(() => deriveProjectKey(RELEASE_MASTER_KEY, "")).toThrowError(code("KRP_ERR_BAD_INPUT"));
    expect(() => projectPseudonym(new Uint8Array(33), LINKAGE_KAT)).toThrowError(
      code("KRP_ERR_BAD_KEY"),
    );
    for (const bad of [
      LINKAGE_KAT.toUpperCase(),
      LINKAGE_KAT.slice(2),
      `${LINKAGE_KAT}00`,
      "zz".repeat(32),
    ]) {
      expect(() => projectPseudonym(key, bad)).toThrowError(code("KRP_ERR_BAD_INPUT"));
    }
  });
});
