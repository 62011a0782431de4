import { describe, expect, it } from "vitest";
import { ProducerSlot } from "./producer-slot";

/** A producer that records what happens to it; `connect` waits for `connected` when given. */
class FakeProducer {
  events: string[] = [];
  constructor(
    readonly id: number,
    private readonly connected?: Promise<void>,
  ) {}
  async connect() {
    this.events.push("connect");
    await this.connected;
  }
  async disconnect() {
    this.events.push("disconnect");
  }
}

function slotWithFactory(first: FakeProducer, connected?: Promise<void>) {
  const made: FakeProducer[] = [];
  let replaced = 0;
  const slot = new ProducerSlot(
    first,
    () => {
      const p = new FakeProducer(made.length + 2, connected);
      made.push(p);
      return p;
    },
    () => {
      replaced += 1;
    },
  );
  return { slot, made, replacements: () => replaced };
}

const fail = () => Promise.reject(new Error("send refused"));

describe("ProducerSlot", () => {
  it("keeps the producer while sends succeed", async () => {
    const first = new FakeProducer(1);
    const { slot, made } = slotWithFactory(first);
    expect(await slot.send(async (p) => p.id)).toBe(1);
    expect(await slot.send(async (p) => p.id)).toBe(1);
    expect(made).toEqual([]);
  });

  it("after any failed send (a publish or a dead letter), the next send uses a new producer", async () => {
    const first = new FakeProducer(1);
    const { slot, made, replacements } = slotWithFactory(first);
    await expect(slot.send(fail)).rejects.toThrow("send refused");
    expect(made).toEqual([]); // replaced lazily, by the next send
    expect(await slot.send(async (p) => p.id)).toBe(2);
    expect(first.events).toEqual(["disconnect"]);
    expect(made.map((p) => [p.id, p.events])).toEqual([[2, ["connect"]]]);
    expect(replacements()).toBe(1);
    expect(await slot.send(async (p) => p.id)).toBe(2);
  });

  it("a send made while the replacement connects waits for it and never uses the old producer", async () => {
    let connect = () => {};
    const connected = new Promise<void>((r) => {
      connect = r;
    });
    const first = new FakeProducer(1);
    const { slot, made } = slotWithFactory(first, connected);
    await expect(slot.send(fail)).rejects.toThrow();
    const used: number[] = [];
    const a = slot.send(async (p) => used.push(p.id));
    const b = slot.send(async (p) => used.push(p.id)); // e.g. a dead letter during the replacement
    await new Promise((r) => setTimeout(r, 10));
    expect(used).toEqual([]);
    connect();
    await Promise.all([a, b]);
    expect(used).toEqual([2, 2]);
    expect(made).toHaveLength(1);
  });

  it("a send that fails on a producer already replaced does not condemn the new one", async () => {
    const first = new FakeProducer(1);
    const { slot, made } = slotWithFactory(first);
    let refuse = (_: Error) => {};
    // A dead letter in flight on the first producer when a publish fails on it.
    const slow = slot.send(
      () =>
        new Promise((_, reject) => {
          refuse = reject;
        }),
    );
    await expect(slot.send(fail)).rejects.toThrow();
    expect(await slot.send(async (p) => p.id)).toBe(2);
    refuse(new Error("disconnected"));
    await expect(slow).rejects.toThrow("disconnected");
    expect(await slot.send(async (p) => p.id)).toBe(2);
    expect(made).toHaveLength(1);
  });

  it("when the new producer cannot connect, the send rejects and the next one tries again", async () => {
    const first = new FakeProducer(1);
    let attempts = 0;
    const slot = new ProducerSlot(first, () => {
      attempts += 1;
      const p = new FakeProducer(attempts + 1);
      if (attempts === 1) p.connect = () => Promise.reject(new Error("broker down"));
      return p;
    });
    await expect(slot.send(fail)).rejects.toThrow();
    await expect(slot.send(async (p) => p.id)).rejects.toThrow("broker down");
    expect(await slot.send(async (p) => p.id)).toBe(3);
  });
});
