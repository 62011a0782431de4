/**
 * Graceful shutdown (issue 8, item 3) in the middle of a record stream: SIGTERM to
 * a service makes it stop taking input, drain what it holds, commit Kafka offsets
 * only after the database commit, and exit 0; after a restart nothing is lost and
 * nothing is stored twice.
 *
 * - intake, during an upload: that upload ends with a verdict for every record,
 *   a request after the signal is refused (503 or no connection);
 * - each consumer (pseudonymiser, linker, release) in the middle of its input: once
 *   it has exited, the records below its group's committed offsets are exactly the
 *   records it wrote (to its output topic or its table), while the stream went on.
 *
 * The shared Kafka and PostgreSQL (own namespace and database); only our own
 * services are stopped.
 */
import { type Bus, TOPICS } from "@kruispunt/bus";
import { decodeEvent } from "@kruispunt/contracts";
import type { ServiceName } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KAFKA_BROKERS, stackBus, waitFor } from "../harness";
import { ALPHA, recordsCsv, type Stack, startFaultStack, storedCounts, upload } from "./stack";

const CHUNK = 400;
let stack: Stack;
let bus: Bus;
/** Records sent so far (record ids 0 … sent − 1), each acknowledged with 200. */
let sent = 0;

beforeAll(async () => {
  stack = await startFaultStack({
    name: "e2e_faults_drain",
    portOffset: 22_060,
    kafkaBrokers: KAFKA_BROKERS,
    // The default 30 s session: nothing is killed here, and under load a 6 s session
    // got the linker evicted mid-batch (its offset commit refused).
  });
  bus = await stackBus(stack, "faults-drain");
});
afterAll(async () => {
  await bus?.close();
  await stack?.stop();
});

/** Uploads the next `count` records; every one must be accepted. */
async function sendMore(count = CHUNK): Promise<void> {
  const outcome = await upload(stack, recordsCsv(sent, count));
  expect(outcome).toMatchObject({ status: 200, accepted: count });
  sent += count;
}

async function count(sql: string): Promise<number> {
  return (await stack.pool.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
}

describe("SIGTERM in the middle of a stream", () => {
  it("intake finishes the upload in hand, refuses new ones, exits 0", async () => {
    // The upload in hand: its first half now, the second only once intake is stopping.
    const half = 1_000;
    const [head, ...lines] = recordsCsv(sent, 2 * half)
      .trimEnd()
      .split("\n");
    let sendRest: () => void = () => {};
    const rest = new Promise<void>((resolve) => {
      sendRest = resolve;
    });
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const text = (from: number, to: number) =>
          new TextEncoder().encode(`${lines.slice(from, to).join("\n")}\n`);
        controller.enqueue(new TextEncoder().encode(`${head}\n`));
        controller.enqueue(text(0, half));
        await rest;
        controller.enqueue(text(half, 2 * half));
        controller.close();
      },
    });
    const inHand = fetch(`${stack.urls.intake}/v1/datasets/persons/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${stack.client.token(ALPHA)}`,
        "content-type": "text/csv",
      },
      body,
      duplex: "half",
    } as RequestInit);
    await waitFor(
      "intake receiving the upload",
      async () =>
        (await count("SELECT count(*)::int AS n FROM intake.uploads WHERE status = 'receiving'")) >
        0,
      60_000,
      20,
    );
    const exited = stack.services.terminate("intake");
    await waitFor(
      "intake to stop taking requests",
      async () => {
        const ready = await fetch(`${stack.urls.intake}/readyz`).catch(() => null);
        return ready?.status !== 200;
      },
      30_000,
      20,
    );
    // Input has stopped: a new upload gets 503 (shutting down) or no connection.
    const late = await upload(stack, recordsCsv(sent + 2 * half, 10));
    expect([0, 503]).toContain(late.status);
    sendRest();
    const response = await inHand;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ submitted: 2 * half, accepted: 2 * half });
    sent += 2 * half;
    expect(await exited).toBe(0);
    // The late upload never began (503 comes before an upload is recorded).
    const statuses = await stack.pool.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM intake.uploads GROUP BY status",
    );
    expect(statuses.rows).toEqual([{ status: "complete", n: 1 }]);
    stack.services.start("intake");
    await stack.client.waitReady(["intake"], 120_000);
  });

  /** Source record ids in `topic`: all, or only those below `group`'s committed offsets. */
  const idsIn = async (
    topic: typeof TOPICS.intake | typeof TOPICS.pseudonymised | typeof TOPICS.linkage,
    group?: ServiceName,
  ): Promise<string[]> => {
    const [messages, offsets] = await Promise.all([
      bus.readTopic(topic),
      group ? bus.offsets(group, topic) : null,
    ]);
    const committed = new Map(offsets?.partitions.map((p) => [p.partition, p.committed]));
    const event = {
      [TOPICS.intake]: "SourceRecord",
      [TOPICS.pseudonymised]: "PseudonymisedRecord",
      [TOPICS.linkage]: "LinkageEvent",
    } as const;
    const ids = messages
      .filter((m) => !group || Number(m.offset) < (committed.get(m.partition) ?? 0))
      .map((m) => decodeEvent(event[topic], m.value).sourceRecordId);
    return [...new Set(ids)].sort();
  };
  const idsInTable = async (table: "linker.records" | "release.records") =>
    (
      await stack.pool.query<{ id: string }>(
        `SELECT source_record_id AS id FROM ${table} ORDER BY 1`,
      )
    ).rows.map((r) => r.id);

  /**
   * Each consumer, its consumer group (named as the service), the topic it reads and
   * the ids of the records it wrote (its output topic, or its table).
   */
  const consumers: [ServiceName, Parameters<typeof idsIn>[0], string, () => Promise<string[]>][] = [
    ["pseudonymiser", TOPICS.intake, "records.pseudonymised", () => idsIn(TOPICS.pseudonymised)],
    ["linker", TOPICS.pseudonymised, "linker.records", () => idsInTable("linker.records")],
    ["release", TOPICS.linkage, "release.records", () => idsInTable("release.records")],
  ];

  for (const [service, input, output, written] of consumers) {
    it(`${service} drains: the records below its committed offsets are exactly those in ${output}; exit 0`, async () => {
      await sendMore();
      // Mid-stream: it has handled part of its input …
      await waitFor(`${service} under way`, async () => (await written()).length > 0, 60_000, 50);
      const exited = stack.services.terminate(service);
      // … and the stream goes on while it stops.
      await sendMore();
      expect(await exited).toBe(0);
      await sendMore();
      // Offsets committed only after the write (nothing committed that is not
      // written), and every write committed before the exit (nothing left in hand).
      const wrote = await written();
      expect(await idsIn(input, service)).toEqual(wrote);
      expect(wrote.length).toBeLessThan(sent);
      stack.services.start(service);
      await stack.client.waitReady([service], 120_000);
    });
  }

  it("after the restarts every record is stored once", async () => {
    await waitFor(
      `${sent} records in linker and release`,
      async () => {
        const c = await storedCounts(stack.pool);
        return c.linker >= sent && c.release >= sent;
      },
      120_000,
    );
    expect(await storedCounts(stack.pool)).toEqual({
      linker: sent,
      pseudonyms: sent,
      release: sent,
    });
  });
});
