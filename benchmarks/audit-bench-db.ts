/**
 * Shared by the audit benchmarks: the dedicated database kruispunt_bench (dropped and
 * migrated afresh), synthetic audit events shaped like the linker's link decisions,
 * and command-line numbers.
 */
import { createHash } from "node:crypto";
import type { AuditEvent } from "@kruispunt/audit-chain";
import { createPool, ensureDatabase, migrate } from "@kruispunt/store";

/** The benchmarks' own database; never one a service or test uses. */
export const BENCH_DB = "kruispunt_bench";
export const BENCH_URL = `postgres://postgres@127.0.0.1:5432/${BENCH_DB}`;

/** Drops kruispunt_bench if present, creates it and applies every migration. */
export async function freshBenchDatabase(): Promise<void> {
  const admin = createPool("postgres://postgres@127.0.0.1:5432/postgres", 1);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await ensureDatabase(BENCH_URL);
  await migrate(BENCH_URL);
}

const hex = (s: string) => createHash("sha256").update(s).digest("hex");

/** A UUID-shaped id derived from `i` (so runs are reproducible). */
export function eventId(i: number, salt = "bench"): string {
  const h = hex(`${salt}/${i}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Event number `i` (from 0): a link.decision as the linker emits it, with a cluster
 * pseudonym, two source-record references and one-second steps from 2026-01-01 UTC.
 */
export function benchEvent(i: number, salt = "bench"): AuditEvent {
  return {
    eventId: eventId(i, salt),
    occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    service: "linker",
    actor: "linker",
    role: "service",
    action: "link.decision",
    object: `alpha/persons/${i} beta/persons/${i}`,
    reference: null,
    counts: { pairs: 1 },
    details: { outcome: "link", method: "exact", score: 1, cluster: hex(`cluster/${i}`) },
  };
}

/** `--name N` from argv as a positive integer, else `fallback`. Throws for a bad value. */
export function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** `--name a,b,c` from argv as positive integers, else `fallback`. */
export function intListArg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const values = String(process.argv[i + 1])
    .split(",")
    .map(Number);
  if (values.some((v) => !Number.isSafeInteger(v) || v < 1))
    throw new Error(`--${name} needs positive integers, comma-separated`);
  return values;
}

/** Seconds since `start` (process.hrtime.bigint()). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
