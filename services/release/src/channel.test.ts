import { describe, expect, it } from "vitest";
import { BatchChannel } from "./channel";

describe("BatchChannel", () => {
  it("hands every item over in order, holding the producer at the limit", async () => {
    const channel = new BatchChannel<number>(2);
    await channel.push(1);
    let released = false;
    const held = channel.push(2).then(() => {
      released = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(false); // two items wait and nobody consumes
    const got: number[] = [];
    const consumer = (async () => {
      for await (const item of channel) got.push(item);
    })();
    await held;
    for (let i = 3; i <= 10; i++) await channel.push(i);
    channel.close();
    await consumer;
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expect(channel.push(11)).rejects.toThrow("push on a closed channel");
  });

  it("fails the consumer with the producer's error, and frees the producer when the consumer stops", async () => {
    const failing = new BatchChannel<number>(1);
    const consumed = (async () => {
      for await (const _ of failing) {
        // consume
      }
    })();
    failing.fail(new Error("cohort read failed"));
    await expect(consumed).rejects.toThrow("cohort read failed");

    const abandoned = new BatchChannel<number>(1);
    const first = (async () => {
      for await (const _ of abandoned) throw new Error("COPY failed");
    })();
    await abandoned.push(1);
    await expect(first).rejects.toThrow("COPY failed");
    // Not held at the limit, and dropped: nobody will take it.
    await abandoned.push(2);
    await abandoned.push(3);
  });
});
