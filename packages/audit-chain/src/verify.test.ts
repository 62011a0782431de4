import sodium from "libsodium-wrappers-sumo";
import { beforeAll, describe, expect, it } from "vitest";
import { appendToChain } from "./append";
import { signCheckpoint } from "./checkpoint";
import { at, buildChain, sampleEvent } from "./fixtures";
import { GENESIS_HASH } from "./hash";
import type { ChainEntry, SignedCheckpoint } from "./types";
import { verifyChain } from "./verify";

let keys: { publicKey: Uint8Array; privateKey: Uint8Array };
let forger: { publicKey: Uint8Array; privateKey: Uint8Array };
const chain = buildChain(100);

beforeAll(async () => {
  await sodium.ready;
  keys = sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(7));
  forger = sodium.crypto_sign_seed_keypair(new Uint8Array(32).fill(8));
});

/** A checkpoint of `chain` at `seq`, signed by `secretKey` (the audit key by default). */
function checkpointAt(seq: number, secretKey = keys.privateKey): Promise<SignedCheckpoint> {
  const { hash } = at(chain, seq);
  return signCheckpoint(
    { seq, hash, signedAt: "2025-03-14T10:00:00.000Z", keyVersion: 1 },
    secretKey,
  );
}

/** The chain re-linked from `fromSeq` on, as someone with database access would do to hide an edit. */
function rehashFrom(entries: readonly ChainEntry[], fromSeq: number): ChainEntry[] {
  const out = entries.slice(0, fromSeq - 1);
  let head: ChainEntry | null = out.at(-1) ?? null;
  for (const entry of entries.slice(fromSeq - 1)) {
    head = appendToChain(head, entry);
    out.push(head);
  }
  return out;
}

describe("verifyChain on an intact chain", () => {
  it("verifies 100 built events and reports the head", async () => {
    expect(await verifyChain(chain)).toEqual({
      ok: true,
      count: 100,
      head: { seq: 100, hash: at(chain, 100).hash },
    });
  });

  it("verifies an empty chain with a null head", async () => {
    expect(await verifyChain([])).toEqual({ ok: true, count: 0, head: null });
  });

  it("accepts valid checkpoints at 10, 50 (twice, e.g. after key rotation) and 100", async () => {
    const checkpoints = [
      await checkpointAt(100),
      await checkpointAt(50),
      await checkpointAt(10),
      await checkpointAt(50),
    ];
    expect(await verifyChain(chain, { checkpoints, publicKey: keys.publicKey })).toEqual({
      ok: true,
      count: 100,
      head: { seq: 100, hash: at(chain, 100).hash },
    });
  });

  it("streams an async iterable lazily and stops reading at the first bad entry", async () => {
    let pulled = 0;
    async function* rows(): AsyncGenerator<ChainEntry> {
      for (const entry of chain) {
        pulled++;
        yield entry.seq === 30 ? { ...entry, actor: "someone-else" } : entry;
      }
    }
    expect(await verifyChain(rows())).toEqual({
      ok: false,
      count: 29,
      firstBad: { seq: 30, reason: "hash-mismatch" },
    });
    expect(pulled).toBe(30);
  });
});

describe("verifyChain detects tampering at the first bad seq", () => {
  it("one field of entry 37 changed, stored hash kept → hash-mismatch at 37", async () => {
    const tampered = chain.map((e) => (e.seq === 37 ? { ...e, counts: { rows: 371 } } : e));
    expect(await verifyChain(tampered)).toEqual({
      ok: false,
      count: 36,
      firstBad: { seq: 37, reason: "hash-mismatch" },
    });
  });

  it("entry 50 deleted → sequence-gap at 51", async () => {
    const tampered = chain.filter((e) => e.seq !== 50);
    expect(await verifyChain(tampered)).toEqual({
      ok: false,
      count: 49,
      firstBad: { seq: 51, reason: "sequence-gap" },
    });
  });

  it("entry 50 deleted and the rest renumbered → prev-hash-mismatch at 50", async () => {
    const tampered = chain
      .filter((e) => e.seq !== 50)
      .map((e) => (e.seq > 50 ? { ...e, seq: e.seq - 1 } : e));
    expect(await verifyChain(tampered)).toEqual({
      ok: false,
      count: 49,
      firstBad: { seq: 50, reason: "prev-hash-mismatch" },
    });
  });

  it("rows 20 and 21 swapped under their seq keys → prev-hash-mismatch at 20", async () => {
    const tampered = chain.map((e) => {
      if (e.seq === 20) return { ...at(chain, 21), seq: 20 };
      if (e.seq === 21) return { ...at(chain, 20), seq: 21 };
      return e;
    });
    expect(await verifyChain(tampered)).toEqual({
      ok: false,
      count: 19,
      firstBad: { seq: 20, reason: "prev-hash-mismatch" },
    });
  });

  it("events 20 and 21 swapped, link fields left in place → hash-mismatch at 20", async () => {
    const tampered = chain.map((e) => {
      if (e.seq === 20) return { ...at(chain, 21), seq: 20, prevHash: e.prevHash, hash: e.hash };
      if (e.seq === 21) return { ...at(chain, 20), seq: 21, prevHash: e.prevHash, hash: e.hash };
      return e;
    });
    expect(await verifyChain(tampered)).toEqual({
      ok: false,
      count: 19,
      firstBad: { seq: 20, reason: "hash-mismatch" },
    });
  });

  it("entries 20 and 21 delivered out of order → sequence-gap at 21, where 20 was expected", async () => {
    const tampered = [...chain.slice(0, 19), at(chain, 21), at(chain, 20), ...chain.slice(21)];
    expect(await verifyChain(tampered)).toEqual({
      ok: false,
      count: 19,
      firstBad: { seq: 21, reason: "sequence-gap" },
    });
  });

  it("entry 20 duplicated → sequence-gap at the second 20", async () => {
    const tampered = [...chain.slice(0, 20), at(chain, 20), ...chain.slice(20)];
    expect(await verifyChain(tampered)).toEqual({
      ok: false,
      count: 20,
      firstBad: { seq: 20, reason: "sequence-gap" },
    });
  });

  it("events 20 and 21 swapped and the chain re-hashed → only a checkpoint (at 30) catches it", async () => {
    const swapped = chain.map((e) => {
      if (e.seq === 20) return { ...at(chain, 21), seq: 20 };
      if (e.seq === 21) return { ...at(chain, 20), seq: 21 };
      return e;
    });
    const rehashed = rehashFrom(swapped, 20);
    expect(await verifyChain(rehashed)).toEqual({
      ok: true,
      count: 100,
      head: { seq: 100, hash: at(rehashed, 100).hash },
    });
    const checkpoints = [await checkpointAt(10), await checkpointAt(30)];
    expect(await verifyChain(rehashed, { checkpoints, publicKey: keys.publicKey })).toEqual({
      ok: false,
      count: 29,
      firstBad: { seq: 30, reason: "checkpoint-mismatch" },
    });
  });

  it("tail cut after a checkpoint at 90 (entries 1..80 kept) → checkpoint-beyond-head at 90", async () => {
    const checkpoints = [await checkpointAt(40), await checkpointAt(90)];
    expect(
      await verifyChain(chain.slice(0, 80), { checkpoints, publicKey: keys.publicKey }),
    ).toEqual({ ok: false, count: 80, firstBad: { seq: 90, reason: "checkpoint-beyond-head" } });
  });

  it("whole chain deleted with a checkpoint on record → checkpoint-beyond-head", async () => {
    const checkpoints = [await checkpointAt(90)];
    expect(await verifyChain([], { checkpoints, publicKey: keys.publicKey })).toEqual({
      ok: false,
      count: 0,
      firstBad: { seq: 90, reason: "checkpoint-beyond-head" },
    });
  });

  it("forged checkpoint signature → bad-signature at its seq", async () => {
    const checkpoints = [await checkpointAt(10), await checkpointAt(60, forger.privateKey)];
    expect(await verifyChain(chain, { checkpoints, publicKey: keys.publicKey })).toEqual({
      ok: false,
      count: 59,
      firstBad: { seq: 60, reason: "bad-signature" },
    });
  });

  it("signed checkpoint whose hash was rewritten → bad-signature, not checkpoint-mismatch", async () => {
    const real = await checkpointAt(60);
    const checkpoints = [{ ...real, hash: at(chain, 59).hash }];
    expect(await verifyChain(chain, { checkpoints, publicKey: keys.publicKey })).toEqual({
      ok: false,
      count: 59,
      firstBad: { seq: 60, reason: "bad-signature" },
    });
  });

  it("forged checkpoint beyond the head → bad-signature, not evidence of a cut tail", async () => {
    const forged = await signCheckpoint(
      { seq: 120, hash: "ee".repeat(32), signedAt: "2025-03-14T10:00:00.000Z", keyVersion: 1 },
      forger.privateKey,
    );
    expect(await verifyChain(chain, { checkpoints: [forged], publicKey: keys.publicKey })).toEqual({
      ok: false,
      count: 100,
      firstBad: { seq: 120, reason: "bad-signature" },
    });
  });
});

describe("verifyChain over a range", () => {
  it("verifies 50..100 from start {seq: 50, prevHash: hash of 49}", async () => {
    const start = { seq: 50, prevHash: at(chain, 49).hash };
    expect(await verifyChain(chain.slice(49), { start })).toEqual({
      ok: true,
      count: 51,
      head: { seq: 100, hash: at(chain, 100).hash },
    });
  });

  it("reports a wrong start.prevHash at the first entry of the range", async () => {
    const start = { seq: 50, prevHash: at(chain, 48).hash };
    expect(await verifyChain(chain.slice(49), { start })).toEqual({
      ok: false,
      count: 0,
      firstBad: { seq: 50, reason: "prev-hash-mismatch" },
    });
  });

  it("reports a range that does not begin at start.seq as a sequence gap", async () => {
    const start = { seq: 50, prevHash: at(chain, 49).hash };
    expect(await verifyChain(chain.slice(50), { start })).toEqual({
      ok: false,
      count: 0,
      firstBad: { seq: 51, reason: "sequence-gap" },
    });
  });

  it("anchors the range with a checkpoint at start.seq − 1 and skips older ones", async () => {
    const checkpoints = [await checkpointAt(10, forger.privateKey), await checkpointAt(49)];
    const good = { seq: 50, prevHash: at(chain, 49).hash };
    expect(
      await verifyChain(chain.slice(49), { start: good, checkpoints, publicKey: keys.publicKey }),
    ).toEqual({ ok: true, count: 51, head: { seq: 100, hash: at(chain, 100).hash } });

    // A rewritten history would hand over a different prevHash for 49.
    const rewritten = rehashFrom(
      chain.map((e) => (e.seq === 45 ? { ...e, object: "beta/persons" } : e)),
      45,
    );
    const bad = { seq: 50, prevHash: at(rewritten, 49).hash };
    expect(
      await verifyChain(rewritten.slice(49), {
        start: bad,
        checkpoints,
        publicKey: keys.publicKey,
      }),
    ).toEqual({ ok: false, count: 0, firstBad: { seq: 49, reason: "checkpoint-mismatch" } });
  });
});

describe("verifyChain argument errors", () => {
  it("needs a publicKey when checkpoints are given", async () => {
    await expect(verifyChain(chain, { checkpoints: [await checkpointAt(10)] })).rejects.toThrow(
      TypeError,
    );
  });

  it("rejects a malformed start or checkpoint seq", async () => {
    await expect(verifyChain(chain, { start: { seq: 0, prevHash: GENESIS_HASH } })).rejects.toThrow(
      RangeError,
    );
    await expect(verifyChain(chain, { start: { seq: 1, prevHash: "00" } })).rejects.toThrow(
      RangeError,
    );
    const cp = { ...(await checkpointAt(10)), seq: Number.NaN };
    await expect(
      verifyChain(chain, { checkpoints: [cp], publicKey: keys.publicKey }),
    ).rejects.toThrow(RangeError);
  });

  it("treats an entry whose content has no canonical form as a hash mismatch", async () => {
    const entry = appendToChain(null, sampleEvent(1));
    const broken = { ...entry, counts: { rows: Number.POSITIVE_INFINITY } };
    expect(await verifyChain([broken])).toEqual({
      ok: false,
      count: 0,
      firstBad: { seq: 1, reason: "hash-mismatch" },
    });
  });
});
