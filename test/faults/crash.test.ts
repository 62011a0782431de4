/**
 * kill -9 of each service in the middle of one record stream, then a restart:
 * exactly N records stored, none twice. N = KRUISPUNT_FAULT_RECORDS (default 10 000
 * so the fault suite stays near three minutes; the 100 000 runs with
 * KRUISPUNT_FAULT_RECORDS=100000). Uses the shared Kafka and PostgreSQL (own
 * namespace and database): nothing shared is stopped, only our own services.
 */
import type { ServiceName } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Fault tests run with KRUISPUNT_FAULTS=1 (they start their own brokers, databases and kill services). */
const enabled = process.env.KRUISPUNT_FAULTS === "1";

import { KAFKA_BROKERS } from "../harness";
import { recordsCsv, type Stack, startStack, storedCounts, upload, waitFor } from "./stack";

const N = Number(process.env.KRUISPUNT_FAULT_RECORDS ?? 10_000);
const CHUNKS = 40;
const CHUNK = Math.ceil(N / CHUNKS);
/** Which service is killed when the stream reaches which chunk. */
const KILLS: [number, ServiceName][] = [
  [4, "intake"],
  [10, "pseudonymiser"],
  [16, "linker"],
  [22, "release"],
  [28, "audit"],
];

let stack: Stack;
beforeAll(async () => {
  if (!enabled) return;
  stack = await startStack({
    name: "e2e_faults_crash",
    portOffset: 22_000,
    kafkaBrokers: KAFKA_BROKERS,
    postgres: "postgres://postgres@127.0.0.1:5432",
    env: { KAFKA_SESSION_TIMEOUT_MS: "6000" },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe.skipIf(!enabled)(`kill -9 of each service during a ${N}-record stream`, () => {
  it("stores every record exactly once and audits every acknowledged upload once", async () => {
    let acknowledged = 0;
    let retries = 0;
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const from = chunk * CHUNK;
      const count = Math.min(CHUNK, N - from);
      if (count <= 0) break;
      const csv = recordsCsv(from, count);
      const victim = KILLS.find(([at]) => at === chunk)?.[1];
      let first = true;
      for (;;) {
        const sending = upload(stack, csv);
        if (victim && first) {
          // Mid-flight: intake dies during this upload, the others while they consume.
          await new Promise((r) => setTimeout(r, 150));
          await stack.services.kill(victim);
          await new Promise((r) => setTimeout(r, 500));
          stack.services.start(victim);
        }
        first = false;
        const outcome = await sending;
        if (outcome.status === 200) {
          expect(outcome.accepted).toBe(count);
          acknowledged += 1;
          break;
        }
        // No verdict (intake died) or 503: the agency sends the same file again.
        retries += 1;
        expect(retries).toBeLessThan(60);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await waitFor(
      `${N} records in linker and release`,
      async () => {
        const c = await storedCounts(stack.pool);
        return c.linker === N && c.release === N;
      },
      120_000 + N * 5,
    );
    expect(await storedCounts(stack.pool)).toEqual({ linker: N, pseudonyms: N, release: N });
    await waitFor(
      "audit to catch up",
      async () => {
        const { rows } = await stack.pool.query(
          "SELECT count(*)::int AS n FROM audit.entries WHERE action = 'intake.upload'",
        );
        return rows[0].n >= acknowledged;
      },
      60_000,
    );
    const { rows } = await stack.pool.query(
      "SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct FROM audit.entries WHERE action = 'intake.upload'",
    );
    expect(rows[0]).toEqual({ n: acknowledged, distinct: acknowledged });
    console.log(`crash test: N=${N}, ${acknowledged} uploads acknowledged, ${retries} re-sent`);
  });
});
