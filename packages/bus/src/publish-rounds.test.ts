import { describe, expect, it } from "vitest";
import { type QueuedPublish, sendChunks, takeRound } from "./bus";

const message = (key: string, bytes: number) => ({ key, value: new Uint8Array(bytes) });
const queued = (topic: string, ...messages: { key: string; value: Uint8Array }[]) =>
  ({ topic, messages, resolve: () => {}, reject: () => {} }) as QueuedPublish;
// Each message counts value + key + 64 bytes of framing.

describe("takeRound", () => {
  it("takes publishes from the head while they fit the budget together", () => {
    const queue = [
      queued("a", message("k1", 34)), // 100 B
      queued("b", message("k2", 34), message("k3", 34)), // 200 B
      queued("a", message("k4", 34)), // 100 B
    ];
    const round = takeRound(queue, 300);
    expect(round.map((p) => p.messages.map((m) => m.key))).toEqual([["k1"], ["k2", "k3"]]);
    expect(queue.map((p) => p.messages[0]?.key)).toEqual(["k4"]);
  });

  it("always takes the first publish, even one over the budget", () => {
    const queue = [queued("a", message("k1", 1000)), queued("a", message("k2", 1))];
    expect(takeRound(queue, 100).map((p) => p.messages[0]?.key)).toEqual(["k1"]);
    expect(queue).toHaveLength(1);
  });
});

describe("sendChunks", () => {
  it("groups a round's messages by topic in call order, one request per budget", () => {
    const round = [
      queued("a", message("k1", 34), message("k2", 34)),
      queued("b", message("k3", 34)),
      queued("a", message("k4", 34), message("k5", 34)),
    ];
    const chunks = sendChunks(round, 300);
    expect(
      chunks.map((c) => c.map((t) => [t.topic, t.messages.map((m) => m.key).join(",")])),
    ).toEqual([
      [
        ["a", "k1,k2"],
        ["b", "k3"],
      ],
      [["a", "k4,k5"]],
    ]);
    expect(chunks[0]?.[0]?.messages[0]?.value).toBeInstanceOf(Buffer);
    expect(chunks[0]?.[0]?.messages[0]?.value.byteLength).toBe(34);
  });

  it("sends a message larger than the budget on its own", () => {
    const chunks = sendChunks(
      [queued("a", message("s", 1), message("big", 500), message("t", 1))],
      100,
    );
    expect(chunks.map((c) => c[0]?.messages.map((m) => m.key))).toEqual([["s"], ["big"], ["t"]]);
  });
});
