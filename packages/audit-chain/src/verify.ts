/**
 * Streaming verification of a chain (or of a contiguous range of it) against its
 * own hashes and against signed checkpoints.
 */
import { verifyCheckpoint } from "./checkpoint";
import { entryHash, GENESIS_HASH, isSha256Hex } from "./hash";
import type { ChainEntry, SignedCheckpoint, VerifyFailure, VerifyResult } from "./types";

/** Options of verifyChain. */
export interface VerifyOptions {
  /** Verify a range: its first entry must have this seq and prevHash. Default {seq: 1, prevHash: GENESIS_HASH}. */
  start?: { seq: number; prevHash: string };
  /** Signed checkpoints to hold the chain to; needs `publicKey`. */
  checkpoints?: SignedCheckpoint[];
  /** Ed25519 public key (32 bytes) of the audit service that signed the checkpoints. */
  publicKey?: Uint8Array;
}

/**
 * Verifies `entries`, which must be in seq order (as `ORDER BY seq` returns
 * them), reading each once and keeping only the previous hash, so memory does
 * not grow with the chain (a million entries is fine; pass an async iterable over
 * a database cursor). Stops at the FIRST problem and names its seq. For each
 * entry, in this order:
 *
 * - `sequence-gap` (at the entry's seq): seq is not the expected one, i.e. an
 *   entry was removed, duplicated or delivered out of order. Deleting entry 50
 *   is therefore reported at 51.
 * - `prev-hash-mismatch`: prevHash is not the previous entry's hash (or
 *   start.prevHash) — e.g. entries were reordered and renumbered.
 * - `hash-mismatch`: hash is not entryHash(prevHash, entry, seq) — the content
 *   was edited (an entry whose content cannot be canonicalised counts too).
 * - then each checkpoint with this seq: `bad-signature` if its signature does not
 *   verify under `publicKey` (a forged checkpoint is not evidence of anything),
 *   else `checkpoint-mismatch` if its hash differs from the entry's.
 *
 * After the last entry, a validly signed checkpoint with a higher seq means the
 * tail was cut: `checkpoint-beyond-head` at the checkpoint's seq (its signature
 * is checked first, so a forged one is `bad-signature` instead). Pass only the
 * checkpoints up to the end of the range you mean to verify, since a deliberate
 * range end looks the same as a cut. Checkpoints before `start` concern entries
 * not read here and are skipped, except one at start.seq − 1, whose hash must
 * equal start.prevHash: it anchors the range to a signed point.
 *
 * Result: `count` is how many entries fully passed before verification stopped;
 * on success `head` is {seq, hash} of the last entry (null if there were none),
 * ready for appendToChain.
 *
 * Throws RangeError for a malformed `start` or a checkpoint seq that is not a
 * positive integer, TypeError if checkpoints are given without a publicKey, and
 * RangeError for a public key that is not 32 bytes; errors of the iterable
 * propagate.
 */
export async function verifyChain(
  entries: Iterable<ChainEntry> | AsyncIterable<ChainEntry>,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const start = opts.start ?? { seq: 1, prevHash: GENESIS_HASH };
  if (!Number.isSafeInteger(start.seq) || start.seq < 1) {
    throw new RangeError(`start.seq must be a positive integer, got ${start.seq}`);
  }
  if (!isSha256Hex(start.prevHash)) {
    throw new RangeError("start.prevHash must be 64 lowercase hex characters");
  }
  const checkpoints = sortedCheckpoints(opts.checkpoints ?? []);
  const publicKey = opts.publicKey;
  if (checkpoints.length > 0 && publicKey === undefined) {
    throw new TypeError("checkpoints need the publicKey that signed them");
  }

  /** The failure a checkpoint shows against the hash the chain has at its seq, if any. */
  const checkAgainst = async (
    cp: SignedCheckpoint,
    hash: string,
  ): Promise<VerifyFailure | null> => {
    if (!(await verifyCheckpoint(cp, publicKey as Uint8Array))) return "bad-signature";
    return cp.hash === hash ? null : "checkpoint-mismatch";
  };
  const fail = (seq: number, reason: VerifyFailure, count: number): VerifyResult => ({
    ok: false,
    count,
    firstBad: { seq, reason },
  });

  let next = 0; // index of the first checkpoint not yet checked
  for (; next < checkpoints.length; next++) {
    const cp = checkpoints[next] as SignedCheckpoint;
    if (cp.seq >= start.seq) break;
    if (cp.seq === start.seq - 1) {
      const failure = await checkAgainst(cp, start.prevHash);
      if (failure !== null) return fail(cp.seq, failure, 0);
    }
  }

  let expectedSeq = start.seq;
  let prevHash = start.prevHash;
  let count = 0;
  for await (const entry of entries) {
    if (entry.seq !== expectedSeq) {
      // A non-numeric seq cannot name a position; report where one was expected.
      return fail(Number.isSafeInteger(entry.seq) ? entry.seq : expectedSeq, "sequence-gap", count);
    }
    if (entry.prevHash !== prevHash) return fail(entry.seq, "prev-hash-mismatch", count);
    if (recomputeHash(entry) !== entry.hash) return fail(entry.seq, "hash-mismatch", count);
    for (; next < checkpoints.length; next++) {
      const cp = checkpoints[next] as SignedCheckpoint;
      if (cp.seq !== entry.seq) break;
      const failure = await checkAgainst(cp, entry.hash);
      if (failure !== null) return fail(entry.seq, failure, count);
    }
    count++;
    prevHash = entry.hash;
    expectedSeq++;
  }

  const beyond = checkpoints[next];
  if (beyond !== undefined) {
    const signed = await verifyCheckpoint(beyond, publicKey as Uint8Array);
    return fail(beyond.seq, signed ? "checkpoint-beyond-head" : "bad-signature", count);
  }
  return { ok: true, count, head: count === 0 ? null : { seq: expectedSeq - 1, hash: prevHash } };
}

/** The entry's hash as it should be, or null if its content has no canonical form. */
function recomputeHash(entry: ChainEntry): string | null {
  try {
    return entryHash(entry.prevHash, entry, entry.seq);
  } catch {
    return null;
  }
}

/** Checkpoints by ascending seq (stable, so equal seqs keep their given order); validates seqs. */
function sortedCheckpoints(checkpoints: readonly SignedCheckpoint[]): SignedCheckpoint[] {
  for (const cp of checkpoints) {
    if (!Number.isSafeInteger(cp.seq) || cp.seq < 1) {
      throw new RangeError(`checkpoint seq must be a positive integer, got ${cp.seq}`);
    }
  }
  return [...checkpoints].sort((a, b) => a.seq - b.seq);
}
