import { describe, expect, it } from "vitest";
import { appendToChain } from "./append";
import { sampleEvent } from "./fixtures";
import { canonicalEncoding, entryHash, GENESIS_HASH } from "./hash";
import type { AuditEvent } from "./types";

const fixed: AuditEvent = {
  eventId: "6f1c2a9e-3b1d-4c55-9a57-0d3c1e2f4a10",
  occurredAt: "2025-03-14T09:26:53.000Z",
  service: "release",
  actor: "researcher-7",
  role: "researcher",
  action: "release.extract",
  object: "project:p-1",
  reference: "approval:a-42",
  counts: { rows: 1200, suppressed: 37 },
  details: { format: "csv", k: 10, site: "Liège", dryRun: false, note: null },
};

// Computed once, independently of this package, with:
// python3 -c 'import json,hashlib
// e={"seq":1,"eventId":"6f1c2a9e-3b1d-4c55-9a57-0d3c1e2f4a10","occurredAt":"2025-03-14T09:26:53.000Z","service":"release","actor":"researcher-7","role":"researcher","action":"release.extract","object":"project:p-1","reference":"approval:a-42","counts":{"rows":1200,"suppressed":37},"details":{"format":"csv","k":10,"site":"Liège","dryRun":False,"note":None}}
// s=json.dumps(e,sort_keys=True,separators=(",",":"),ensure_ascii=False); print(s)
// print(hashlib.sha256(("0"*64+"\n"+s).encode("utf-8")).hexdigest())'
const EXPECTED_ENCODING =
  '{"action":"release.extract","actor":"researcher-7","counts":{"rows":1200,"suppressed":37},"details":{"dryRun":false,"format":"csv","k":10,"note":null,"site":"Liège"},"eventId":"6f1c2a9e-3b1d-4c55-9a57-0d3c1e2f4a10","object":"project:p-1","occurredAt":"2025-03-14T09:26:53.000Z","reference":"approval:a-42","role":"researcher","seq":1,"service":"release"}';
const EXPECTED_HASH = "b86293a5e1d990a20b946959632d7a9710bb08c932ff3389a98c73b270312e43";

describe("known answer (python3 json + hashlib)", () => {
  it("GENESIS_HASH is 64 zeros", () => {
    expect(GENESIS_HASH).toBe("0000000000000000000000000000000000000000000000000000000000000000");
  });

  it("canonicalEncoding sorts keys and keeps non-ASCII as UTF-8", () => {
    expect(canonicalEncoding(fixed, 1)).toBe(EXPECTED_ENCODING);
  });

  it("entryHash of the fixed event at seq 1 from GENESIS", () => {
    expect(entryHash(GENESIS_HASH, fixed, 1)).toBe(EXPECTED_HASH);
  });

  it("appendToChain to an empty chain yields seq 1 from GENESIS with that hash", () => {
    expect(appendToChain(null, fixed)).toEqual({
      ...fixed,
      seq: 1,
      prevHash: GENESIS_HASH,
      hash: EXPECTED_HASH,
    });
  });
});

describe("canonicalEncoding", () => {
  it("ignores properties beyond the AuditEvent fields (prevHash, hash, db columns)", () => {
    const entry = appendToChain(null, fixed);
    const row = { ...entry, seq: 99, storedAt: "2025-03-14T09:27:00Z" };
    expect(canonicalEncoding(row, 1)).toBe(EXPECTED_ENCODING);
    expect(entryHash(GENESIS_HASH, row, 1)).toBe(EXPECTED_HASH);
  });

  it("throws for values without a JSON form rather than hashing something else", () => {
    expect(() => canonicalEncoding({ ...fixed, counts: { rows: Number.NaN } }, 1)).toThrow(
      "Non-finite number",
    );
    const missing = { ...fixed, reference: undefined } as unknown as AuditEvent;
    expect(() => canonicalEncoding(missing, 1)).toThrow("undefined is not permitted");
  });

  it("rejects a seq that is not a positive integer", () => {
    expect(() => canonicalEncoding(fixed, 0)).toThrow(RangeError);
    expect(() => canonicalEncoding(fixed, 1.5)).toThrow(RangeError);
  });
});

describe("entryHash", () => {
  it("rejects a prevHash that is not lowercase hex SHA-256", () => {
    expect(() => entryHash("ABC", fixed, 1)).toThrow(RangeError);
    expect(() => entryHash(GENESIS_HASH.toUpperCase().replace(/0/g, "A"), fixed, 1)).toThrow(
      RangeError,
    );
  });

  it("commits to the position: the same event at another seq hashes differently", () => {
    expect(entryHash(GENESIS_HASH, fixed, 2)).not.toBe(EXPECTED_HASH);
  });
});

describe("appendToChain", () => {
  it("links each entry to its predecessor", () => {
    const first = appendToChain(null, sampleEvent(1));
    const second = appendToChain(first, sampleEvent(2));
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(entryHash(first.hash, sampleEvent(2), 2));
  });

  it("copies counts and details so later mutation of the event cannot break the hash", () => {
    const event = sampleEvent(1);
    const entry = appendToChain(null, event);
    event.counts.rows = 0;
    event.details.batch = 0;
    expect(entry.counts).toEqual({ rows: 10 });
    expect(entry.hash).toBe(entryHash(GENESIS_HASH, entry, 1));
  });

  it("rejects a malformed head", () => {
    expect(() => appendToChain({ seq: -1, hash: GENESIS_HASH }, fixed)).toThrow(RangeError);
    expect(() => appendToChain({ seq: 3, hash: "xyz" }, fixed)).toThrow(RangeError);
  });
});
