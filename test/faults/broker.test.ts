/**
 * Stop and start the Kafka broker during a stream of uploads: no record that got a
 * 2xx verdict is lost, nor stored twice. Runs its OWN broker (infra.ts, privateKafka:
 * 127.0.0.1:17092 + slot × 10, state in .data/faults-kafka*, deleted before and after,
 * its log kept in .data/logs) and stops only that one; PostgreSQL is the shared
 * server (own database). Bounded: a few thousand records, every wait has a deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { waitFor } from "../harness";
import { type PrivateKafka, privateKafka } from "./infra";
import { recordsCsv, type Stack, startFaultStack, upload } from "./stack";

const CHUNK = 250;
/** Acknowledged uploads before the broker is stopped, and after it is back. */
const BEFORE = 4;
const AFTER = 4;
const OUTAGE_MS = 8_000;
/** An upload without a verdict by then counts as none (status 0), as for an agency. */
const UPLOAD_TIMEOUT_MS = 30_000;
/** The stream gives up (and the test fails) if uploads are not acknowledged again by then. */
const STREAM_MS = 240_000;

let kafka: PrivateKafka;
let stack: Stack;

beforeAll(async () => {
  kafka = privateKafka();
  await kafka.destroy(); // what an interrupted run left behind
  await kafka.start();
  stack = await startFaultStack({
    name: "e2e_faults_broker",
    portOffset: 22_020,
    kafkaBrokers: kafka.brokers,
    env: { KAFKA_SESSION_TIMEOUT_MS: "6000" },
  });
});
afterAll(async () => {
  await stack?.stop();
  await kafka?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the broker stops and starts during uploads", () => {
  it("keeps every record of every upload that got 200, each once", async () => {
    let phase: "up" | "down" | "back" = "up";
    const outcomes: { chunk: number; status: number; began: typeof phase }[] = [];
    const acknowledged = (began?: typeof phase) =>
      outcomes.filter((o) => o.status === 200 && (!began || o.began === began));
    const deadline = Date.now() + STREAM_MS;
    // One upload after the other, as an agency sends its files, until AFTER uploads
    // that began once the broker was back were acknowledged (or the deadline).
    const stream = (async () => {
      for (let chunk = 0; acknowledged("back").length < AFTER; chunk++) {
        if (Date.now() > deadline) return false;
        const began = phase;
        const { status } = await upload(stack, recordsCsv(chunk * CHUNK, CHUNK), UPLOAD_TIMEOUT_MS);
        outcomes.push({ chunk, status, began });
        if (status !== 200) await sleep(500); // back off before the next file
      }
      return true;
    })();

    await waitFor(
      `${BEFORE} uploads acknowledged`,
      async () => acknowledged().length >= BEFORE,
      120_000,
      50,
    );
    phase = "down";
    await kafka.stop();
    expect(await kafka.answers()).toBe(false);
    await sleep(OUTAGE_MS);
    await kafka.start();
    phase = "back";
    expect(await stream, `uploads acknowledged again within ${STREAM_MS} ms`).toBe(true);

    // The outage was felt: some upload got no 2xx (a 503 with Retry-After, or no answer).
    const statuses = outcomes.map((o) => o.status);
    expect(statuses.some((s) => s !== 200)).toBe(true);
    expect(statuses.filter((s) => s !== 200 && s !== 503 && s !== 0)).toEqual([]);
    const expected = acknowledged().flatMap(({ chunk }) =>
      Array.from({ length: CHUNK }, (_, i) => String(chunk * CHUNK + i)),
    );
    const stored = async () =>
      (
        await stack.pool.query<{ n: number; ids: number }>(
          `SELECT count(*)::int AS n, count(DISTINCT source_record_id)::int AS ids
             FROM linker.records WHERE agency = 'alpha' AND source_record_id = ANY($1)`,
          [expected],
        )
      ).rows[0];
    await waitFor(
      "every acknowledged record in the linker",
      async () => ((await stored())?.ids ?? 0) >= expected.length,
      150_000,
    );
    expect(await stored()).toEqual({ n: expected.length, ids: expected.length });
    console.log(
      `broker test: ${outcomes.length} uploads, ${acknowledged().length} acknowledged (${expected.length} records, all stored once), statuses ${[...new Set(statuses)].join("/")}`,
    );
  });
});
