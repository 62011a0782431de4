/**
 * Restart PostgreSQL during linkage: the linker waits the outage out (transient
 * errors are retried without bound, see packages/bus/src/retry.ts) and nothing is
 * lost. Then a poison message on records.pseudonymised: bounded retries, then it
 * goes to consumer.dead-letter and the records behind it are still linked.
 * Runs its OWN PostgreSQL (initdb + pg_ctl on 127.0.0.1:15432+slot, data under the
 * system temp directory, deleted afterwards; see infra.ts) and stops only that one;
 * Kafka is the shared broker (own namespace).
 */
import { TOPICS } from "@kruispunt/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { KAFKA_BROKERS, stackBus, waitFor } from "../harness";
import { type PrivatePostgres, privatePostgres } from "./infra";
import { recordsCsv, type Stack, startFaultStack, storedCounts, upload } from "./stack";

const M = 5_000;
let pg: PrivatePostgres;
let stack: Stack;

beforeAll(async () => {
  pg = privatePostgres();
  pg.destroy();
  pg.start();
  stack = await startFaultStack({
    name: "e2e_faults_pg",
    portOffset: 22_040,
    kafkaBrokers: KAFKA_BROKERS,
    postgres: `postgres://postgres@127.0.0.1:${pg.port}`,
    env: { KAFKA_SESSION_TIMEOUT_MS: "6000", KAFKA_MAX_ATTEMPTS: "3" },
  });
});
afterAll(async () => {
  await stack?.stop();
  pg?.destroy();
});

const metric = async (service: "linker", line: RegExp) => {
  const text = await (await fetch(`${stack.urls[service]}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? 0);
};

describe("PostgreSQL restarts during linkage", () => {
  it("the linker retries and stores every record once; no service exits", async () => {
    // A backlog for the linker: it is stopped (gracefully) while the records come in,
    // then started; the database goes down while it works through them.
    expect(await stack.services.terminate("linker")).toBe(0);
    for (let c = 0; c < M / 500; c++) {
      expect((await upload(stack, recordsCsv(c * 500, 500))).status).toBe(200);
    }
    stack.services.start("linker");
    let before = 0;
    await waitFor(
      "linkage under way",
      async () => {
        before = (await storedCounts(stack.pool)).linker;
        return before > 0;
      },
      120_000,
      20,
    );
    pg.stop();
    await new Promise((r) => setTimeout(r, 5_000));
    // While the database is down the linker is not ready, and says why.
    const ready = await fetch(`${stack.urls.linker}/readyz`);
    expect(ready.status).toBe(503);
    pg.start();
    // It went down during linkage.
    expect(before).toBeLessThan(M);
    await waitFor(
      `${M} records linked`,
      async () => (await storedCounts(stack.pool)).release === M,
      150_000,
    );
    expect(await storedCounts(stack.pool)).toEqual({ linker: M, pseudonyms: M, release: M });
    for (const [service, child] of stack.services.processes)
      expect(child.exitCode, `${service} exited`).toBeNull();
    expect(await metric("linker", /kruispunt_dead_letters_total\{[^}]*\} (\d+)/)).toBe(0);
    await waitFor(
      "linker ready again",
      async () => (await fetch(`${stack.urls.linker}/readyz`)).ok,
      30_000,
    );
  });

  it("dead-letters a poison message after bounded retries and links the records behind it", async () => {
    const bus = await stackBus(stack, "faults-poison");
    try {
      const poison = Buffer.from("not a protobuf PseudonymisedRecord \u00ff\u00fe");
      await bus.publish(TOPICS.pseudonymised, [{ key: "poison", value: poison }]);
      expect((await upload(stack, recordsCsv(M, 100))).status).toBe(200);
      await waitFor(
        "the records after the poison message",
        async () => (await storedCounts(stack.pool)).linker === M + 100,
        90_000,
      );
      await waitFor(
        "the dead-letter metric",
        async () =>
          (await metric(
            "linker",
            /kruispunt_dead_letters_total\{[^}]*topic="records.pseudonymised"[^}]*\} (\d+)/,
          )) === 1,
        30_000,
      );
      // The dead-letter topic holds the message as it was, with where it came from.
      const seen = await bus.readTopic(TOPICS.consumerDeadLetter);
      expect(seen).toHaveLength(1);
      expect(Buffer.from(seen[0]?.value ?? []).equals(poison)).toBe(true);
      expect(seen[0]?.key).toBe("poison");
      expect(seen[0]?.headers["kruispunt-source-topic"]).toBe(
        `${stack.namespace}${TOPICS.pseudonymised}`,
      );
      expect(seen[0]?.headers["kruispunt-group"]).toBe(`${stack.namespace}linker`);
      expect(seen[0]?.headers["kruispunt-attempts"]).toBe("3");
    } finally {
      await bus.close();
    }
  });
});
