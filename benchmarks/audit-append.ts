/**
 * Audit appends per second into PostgreSQL, with a baseline side by side.
 *
 * - chain: `appendEvents` exactly as the audit service's consumer runs it: one
 *   transaction per batch on the writer-role pool, advisory lock, event-id
 *   de-duplication, head read, SHA-256 over the RFC 8785 encoding of each entry,
 *   INSERT into audit.entries (append-only trigger and all indexes).
 * - baseline: the same rows, batches, transactions and multi-row INSERT statement,
 *   into a copy of audit.entries (same columns, constraints and indexes, no
 *   trigger) with no hashing, lock, de-duplication or head read.
 *
 * Both run on a fresh kruispunt_bench, one warm-up batch each first, then the
 * chain and baseline in turn `--rounds` times (default 3); the median round counts.
 *
 *   pnpm --filter @kruispunt/benchmarks bench:audit-append [-- --events 20000 --batch 500 --rounds 3]
 */

import { appendEvents, readEntries, writerPool } from "@kruispunt/audit";
import { type AuditEvent, verifyChain } from "@kruispunt/audit-chain";
import { createPool, inTransaction, type PoolClient } from "@kruispunt/store";
import { BENCH_URL, benchEvent, freshBenchDatabase, intArg, secondsSince } from "./audit-bench-db";

const events = intArg("events", 20_000);
const batch = intArg("batch", 500);
const rounds = intArg("rounds", 3);

const COLUMNS =
  "seq, event_id, occurred_at, service, actor, role, action, object, reference, counts, details, prev_hash, hash";

/** The baseline's INSERT: the same multi-row statement appendEvents sends, without hashes. */
async function plainInsert(client: PoolClient, seq0: number, from: number, n: number) {
  const list = Array.from({ length: n }, (_, i) => benchEvent(from + i, "plain"));
  const column = <K extends keyof AuditEvent>(key: K) => list.map((e) => e[key]);
  await client.query(
    `INSERT INTO bench.plain (${COLUMNS})
     SELECT seq, event_id, occurred_at, service, actor, role, action, object, reference, counts::jsonb, details::jsonb, prev_hash, hash
     FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                 $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
       AS e(${COLUMNS})`,
    [
      list.map((_, i) => seq0 + i),
      column("eventId"),
      column("occurredAt"),
      column("service"),
      column("actor"),
      column("role"),
      column("action"),
      column("object"),
      column("reference"),
      list.map((e) => JSON.stringify(e.counts)),
      list.map((e) => JSON.stringify(e.details)),
      list.map(() => ""),
      list.map(() => ""),
    ],
  );
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

async function main(): Promise<void> {
  await freshBenchDatabase();
  const admin = createPool(BENCH_URL, 1);
  await admin.query(
    "CREATE SCHEMA bench; CREATE TABLE bench.plain (LIKE audit.entries INCLUDING ALL)",
  );
  const chainPool = writerPool(BENCH_URL, 2);
  const plainPool = createPool(BENCH_URL, 2);

  let chainNext = 0; // next event number for each side
  let plainNext = 0;
  const chainBatch = async (n: number) => {
    const list = Array.from({ length: n }, (_, i) => benchEvent(chainNext + i));
    chainNext += n;
    await inTransaction(chainPool, (c) => appendEvents(c, list));
  };
  const plainBatch = async (n: number) => {
    const from = plainNext;
    plainNext += n;
    await inTransaction(plainPool, (c) => plainInsert(c, from + 1, from, n));
  };

  await chainBatch(batch); // warm-up: connections, plans, JIT
  await plainBatch(batch);
  const chainRates: number[] = [];
  const plainRates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [run, rates] of [
      [chainBatch, chainRates],
      [plainBatch, plainRates],
    ] as const) {
      const start = process.hrtime.bigint();
      for (let done = 0; done < events; done += batch) await run(Math.min(batch, events - done));
      rates.push(events / secondsSince(start));
    }
  }

  const verified = await verifyChain(readEntries(chainPool));
  if (!verified.ok || verified.count !== chainNext)
    throw new Error(`the appended chain does not verify: ${JSON.stringify(verified)}`);
  const chain = median(chainRates);
  const plain = median(plainRates);
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(
    `audit append: ${fmt(events)} events per round in batches of ${batch}, ${rounds} rounds (median)`,
  );
  console.log(
    `  chain    (appendEvents, writer role): ${fmt(chain)} events/s   [${chainRates.map(fmt).join(", ")}]`,
  );
  console.log(
    `  baseline (plain INSERT, no hashing):  ${fmt(plain)} events/s   [${plainRates.map(fmt).join(", ")}]`,
  );
  console.log(
    `  ratio baseline/chain: ${(plain / chain).toFixed(2)}  (chain of ${fmt(verified.count)} entries verified)`,
  );
  console.log(
    `RESULT audit-append: chain ${fmt(chain)} events/s vs plain INSERT ${fmt(plain)} events/s — ratio ${(plain / chain).toFixed(2)}`,
  );
  await Promise.all([chainPool.end(), plainPool.end(), admin.end()]);
}

await main();
