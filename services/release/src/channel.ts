/**
 * A bounded queue from a producer that awaits {@link BatchChannel.push} to one consumer
 * iterating the channel: lets the extract's cohort read hand members to a COPY running
 * on another connection at the same time, holding at most `limit` items between them.
 */
export class BatchChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure: { cause: unknown } | null = null;
  /** Set once the consumer stopped iterating (finished, or its COPY failed). */
  private abandoned = false;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;

  constructor(private readonly limit: number) {}

  /**
   * Queues `item`; resolves once fewer than `limit` items wait. Items pushed after the
   * consumer stopped are dropped (the consumer's own error tells why). Throws Error
   * after close() or fail().
   */
  async push(item: T): Promise<void> {
    if (this.closed) throw new Error("push on a closed channel");
    if (this.abandoned) return;
    this.items.push(item);
    this.wake("consumer");
    while (this.items.length >= this.limit && !this.abandoned && this.failure === null)
      await new Promise<void>((resolve) => {
        this.wakeProducer = resolve;
      });
  }

  /** No more items: the consumer's iteration ends after the queued ones. */
  close(): void {
    this.closed = true;
    this.wake("consumer");
  }

  /** The consumer's iteration throws `cause` at its next step; the queued items are dropped. */
  fail(cause: unknown): void {
    this.failure = { cause };
    this.closed = true;
    this.items.length = 0;
    this.wake("consumer");
    this.wake("producer");
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        if (this.failure !== null) throw this.failure.cause;
        if (this.items.length > 0) {
          const item = this.items.shift() as T;
          this.wake("producer");
          yield item;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => {
          this.wakeConsumer = resolve;
        });
      }
    } finally {
      this.abandoned = true;
      this.items.length = 0;
      this.wake("producer");
    }
  }

  private wake(side: "consumer" | "producer"): void {
    const wake = side === "consumer" ? this.wakeConsumer : this.wakeProducer;
    if (side === "consumer") this.wakeConsumer = null;
    else this.wakeProducer = null;
    wake?.();
  }
}
