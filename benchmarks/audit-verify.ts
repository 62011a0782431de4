/**
 * Time to verify the audit chain read from PostgreSQL, against a baseline that only
 * reads the same rows, at each size in `--sizes` (default 100,000 and 1,000,000).
 *
 * The chain (of the largest size) is built in memory with appendToChain, stored in
 * kruispunt_bench by multi-row INSERTs of 10,000 rows, and its head signed with a
 * fresh Ed25519 key (so verification checks a checkpoint signature as the audit
 * service's does), then VACUUM ANALYZEd. For each size n, entries 1..n are read with
 * readEntries (the audit service's keyset-paginated reader, 5,000 rows a query):
 * - baseline: read and count the rows;
 * - verify: verifyChain over the same reader (sequence, prev-hash, SHA-256 of the
 *   RFC 8785 encoding of every entry; the checkpoint at the head for the full chain).
 * Both run `--rounds` times in turn (default 3); the median counts.
 *
 *   pnpm --filter @kruispunt/benchmarks bench:audit-verify [--sizes 100000,1000000] [--rounds 3] [--reuse]
 * `--reuse` keeps a kruispunt_bench that already holds a chain of the largest size.
 */

import { insertEntries, readEntries } from "@kruispunt/audit";
import {
  appendToChain,
  type ChainEntry,
  signCheckpoint,
  verifyChain,
} from "@kruispunt/audit-chain";
import { createPool, type Pool } from "@kruispunt/store";
import sodium from "libsodium-wrappers-sumo";
import {
  BENCH_URL,
  benchEvent,
  freshBenchDatabase,
  intArg,
  intListArg,
  secondsSince,
} from "./audit-bench-db";

const sizes = intListArg("sizes", [100_000, 1_000_000]).sort((a, b) => a - b);
const rounds = intArg("rounds", 3);
const largest = sizes[sizes.length - 1] as number;
const CHUNK = 10_000;

/** Builds and stores a chain of `n` entries; returns its head, in seconds taken too. */
async function generate(pool: Pool, n: number): Promise<{ seq: number; hash: string }> {
  let head: { seq: number; hash: string } | null = null;
  for (let from = 0; from < n; from += CHUNK) {
    const entries: ChainEntry[] = [];
    for (let i = from; i < Math.min(n, from + CHUNK); i++) {
      const entry = appendToChain(head, benchEvent(i));
      entries.push(entry);
      head = { seq: entry.seq, hash: entry.hash };
    }
    await insertEntries(pool, entries);
  }
  if (head === null) throw new Error("nothing generated");
  return head;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

async function main(): Promise<void> {
  await sodium.ready;
  const keys = sodium.crypto_sign_keypair();
  let pool: Pool;
  const reuse = process.argv.includes("--reuse");
  let head: { seq: number; hash: string };
  const existing = reuse
    ? await (async () => {
        const p = createPool(BENCH_URL, 2);
        const r = await p
          .query("SELECT seq, hash FROM audit.entries ORDER BY seq DESC LIMIT 1")
          .catch(() => ({ rows: [] as { seq: string; hash: string }[] }));
        await p.end();
        return r.rows[0] && Number(r.rows[0].seq) === largest
          ? { seq: largest, hash: r.rows[0].hash as string }
          : null;
      })()
    : null;
  if (existing) {
    head = existing;
    pool = createPool(BENCH_URL, 2);
    console.log(
      `reusing the chain of ${largest.toLocaleString("en-US")} entries in kruispunt_bench`,
    );
  } else {
    await freshBenchDatabase();
    pool = createPool(BENCH_URL, 2);
    const start = process.hrtime.bigint();
    head = await generate(pool, largest);
    await pool.query("VACUUM ANALYZE audit.entries");
    console.log(
      `generated and stored ${largest.toLocaleString("en-US")} entries in ${secondsSince(start).toFixed(1)} s`,
    );
  }
  const checkpoint = await signCheckpoint(
    { seq: head.seq, hash: head.hash, signedAt: new Date().toISOString(), keyVersion: 1 },
    keys.privateKey,
  );

  for (const n of sizes) {
    const reads: number[] = [];
    const verifies: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let start = process.hrtime.bigint();
      let count = 0;
      for await (const _ of readEntries(pool, 1, n)) count++;
      reads.push(secondsSince(start));
      if (count !== n) throw new Error(`read ${count} entries, expected ${n}`);
      start = process.hrtime.bigint();
      const result = await verifyChain(readEntries(pool, 1, n), {
        checkpoints: n === head.seq ? [checkpoint] : [],
        publicKey: keys.publicKey,
      });
      verifies.push(secondsSince(start));
      if (!result.ok || result.count !== n)
        throw new Error(`verification failed: ${JSON.stringify(result)}`);
    }
    const read = median(reads);
    const verify = median(verifies);
    const fmt = (s: number) => `${s.toFixed(2)} s`;
    console.log(`audit verify: ${n.toLocaleString("en-US")} entries, ${rounds} rounds (median)`);
    console.log(
      `  verify   (readEntries + verifyChain): ${fmt(verify)}  ${Math.round(n / verify).toLocaleString("en-US")} entries/s  [${verifies.map(fmt).join(", ")}]`,
    );
    console.log(
      `  baseline (readEntries, count only):   ${fmt(read)}  ${Math.round(n / read).toLocaleString("en-US")} entries/s  [${reads.map(fmt).join(", ")}]`,
    );
    console.log(`  ratio verify/read: ${(verify / read).toFixed(2)}`);
    console.log(
      `RESULT audit-verify ${n}: verify ${fmt(verify)} vs read-only ${fmt(read)} — ratio ${(verify / read).toFixed(2)}`,
    );
  }
  await pool.end();
}

await main();
