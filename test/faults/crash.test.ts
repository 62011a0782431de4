/**
 * kill -9 of each service in the middle of one record stream, then a restart:
 * exactly N records stored, none twice, and every complete upload audited once.
 * N is 10 000 in the normal suite (bounded time in CI); KRUISPUNT_FAULTS=1 runs the
 * issue's 100 000, KRUISPUNT_FAULT_RECORDS=n any other size. Uses the shared Kafka
 * and PostgreSQL (own namespace and database): nothing shared is stopped, only our
 * own services.
 */
import { type Bus, TOPICS } from "@kruispunt/bus";
import type { ServiceName } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { KAFKA_BROKERS, stackBus, waitFor } from "../harness";
import { recordsCsv, type Stack, startFaultStack, storedCounts, upload } from "./stack";

const N = Number(
  process.env.KRUISPUNT_FAULT_RECORDS ?? (process.env.KRUISPUNT_FAULTS === "1" ? 100_000 : 10_000),
);
const CHUNKS = 40;
const CHUNK = Math.ceil(N / CHUNKS);
/**
 * Which service is killed once the stream has reached which chunk, and the topic it
 * consumes (intake consumes none: it is killed while it receives an upload).
 */
const KILLS: { from: number; victim: ServiceName; input: TopicName | null }[] = [
  { from: 4, victim: "intake", input: null },
  { from: 10, victim: "pseudonymiser", input: TOPICS.intake },
  { from: 16, victim: "linker", input: TOPICS.pseudonymised },
  { from: 22, victim: "release", input: TOPICS.linkage },
  { from: 28, victim: "audit", input: TOPICS.audit },
];
type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

let stack: Stack;
let bus: Bus;
beforeAll(async () => {
  stack = await startFaultStack({
    name: "e2e_faults_crash",
    portOffset: 22_000,
    kafkaBrokers: KAFKA_BROKERS,
    env: { KAFKA_SESSION_TIMEOUT_MS: "6000" },
  });
  bus = await stackBus(stack, "faults-crash");
});
afterAll(async () => {
  await bus?.close();
  await stack?.stop();
});

/**
 * Whether `kill.victim` has work in hand, polled while `sending` (the upload of the
 * current chunk) is in flight and for a second after: intake is receiving an upload
 * (uploads go one at a time, so it is the one just sent), or a consumer's group has
 * messages in its input topic that it has not committed (read or about to be, not
 * yet stored). False if that moment did not come: the kill waits for the next chunk.
 */
async function inHand(kill: (typeof KILLS)[number], sending: Promise<unknown>): Promise<boolean> {
  let settled: number | null = null;
  void sending.finally(() => {
    settled = Date.now();
  });
  for (;;) {
    if (kill.input) {
      if ((await bus.lag(kill.victim, kill.input)) > 0) return true;
    } else {
      const { rows } = await stack.pool.query(
        "SELECT 1 FROM intake.uploads WHERE status = 'receiving' LIMIT 1",
      );
      if (rows.length > 0) return true;
    }
    if (settled !== null && Date.now() - settled > 1_000) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`kill -9 of each service during a ${N}-record stream`, () => {
  it(
    "stores every record exactly once; every complete upload is audited once",
    async () => {
      const acknowledged: string[] = [];
      const pending = [...KILLS];
      /** The services killed, each with work in hand. */
      const killed: ServiceName[] = [];
      let retries = 0;
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        const from = chunk * CHUNK;
        const count = Math.min(CHUNK, N - from);
        if (count <= 0) break;
        const csv = recordsCsv(from, count);
        for (;;) {
          const sending = upload(stack, csv);
          const kill = pending[0];
          if (kill && chunk >= kill.from && (await inHand(kill, sending))) {
            await stack.services.kill(kill.victim);
            stack.services.start(kill.victim);
            killed.push(kill.victim);
            pending.shift();
          }
          const outcome = await sending;
          if (outcome.status === 200) {
            expect(outcome.accepted).toBe(count);
            acknowledged.push(outcome.uploadId);
            break;
          }
          // No verdict (intake died, or is starting) or 503: the agency sends the file again.
          expect([0, 503]).toContain(outcome.status);
          retries += 1;
          expect(retries).toBeLessThan(200);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      // Each service was killed with work in hand (see inHand).
      expect(killed).toEqual(KILLS.map((k) => k.victim));
      await waitFor(
        `${N} records in linker and release`,
        async () => {
          const c = await storedCounts(stack.pool);
          return c.linker >= N && c.release >= N;
        },
        240_000 + N * 10,
      );
      expect(await storedCounts(stack.pool)).toEqual({ linker: N, pseudonyms: N, release: N });
      for (const table of ["linker.records", "release.records"]) {
        const { rows: ids } = await stack.pool.query<{ n: number; ids: number; max: number }>(
          `SELECT count(*)::int AS n, count(DISTINCT source_record_id)::int AS ids,
                  max(source_record_id::int)::int AS max FROM ${table}`,
        );
        expect(ids[0], table).toEqual({ n: N, ids: N, max: N - 1 });
      }

      // The audit log: every upload intake completed (acknowledged or not: a verdict
      // lost with a killed intake) has exactly one intake.upload entry.
      const audited = async () =>
        (
          await stack.pool.query<{ reference: string }>(
            "SELECT reference FROM audit.entries WHERE action = 'intake.upload'",
          )
        ).rows.map((r) => r.reference);
      const complete = (
        await stack.pool.query<{ upload_id: string }>(
          "SELECT upload_id FROM intake.uploads WHERE status = 'complete'",
        )
      ).rows.map((r) => r.upload_id);
      await waitFor(
        "the audit log to hold every complete upload",
        async () => {
          const seen = new Set(await audited());
          return complete.every((id) => seen.has(id));
        },
        60_000,
      );
      const references = await audited();
      expect(new Set(references).size).toBe(references.length);
      expect(references).toEqual(expect.arrayContaining(acknowledged));
      expect(references).toEqual(expect.arrayContaining(complete));
      console.log(
        `crash test: N=${N}, ${acknowledged.length} uploads acknowledged, ${retries} re-sent, ${references.length} audited`,
      );
    },
    300_000 + N * 20,
  );
});
