/**
 * The one producer every send of a Bus goes through (publishes and dead letters alike),
 * replaced by a fresh one after a send failed.
 *
 * Why replace: kafkajs' idempotent producer may have counted sequence numbers for a
 * batch the broker never wrote, and once the broker was back it answered every send
 * with OUT_OF_ORDER_SEQUENCE_NUMBER for good (intake stayed at 503 after a broker
 * restart). A new producer gets a new producer id and starts its sequences afresh.
 */

/** What the slot needs of a producer (kafkajs' Producer has it). */
export interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export class ProducerSlot<P extends Connectable> {
  /** A send on the current producer failed: the next send replaces it first. */
  private failed = false;
  /** The replacement under way, which every send waits for (none uses the old producer). */
  private replacing: Promise<void> | null = null;

  /**
   * `producer` is connected already; `create` makes an unconnected one; `onReplaced`
   * is told after each replacement (to log it).
   */
  constructor(
    private producer: P,
    private readonly create: () => P,
    private readonly onReplaced: () => void = () => {},
  ) {}

  /**
   * Runs `send` with the current producer, after replacing it if an earlier send
   * failed (or waiting for the replacement under way). If `send` rejects, the producer
   * it used is marked failed (unless it was replaced meanwhile) and the error is
   * rethrown; the caller decides whether to send again. Rejects, without calling
   * `send`, if the new producer cannot connect (the next send tries again).
   */
  async send<T>(send: (producer: P) => Promise<T>): Promise<T> {
    while (this.failed || this.replacing) {
      this.replacing ??= this.replace().finally(() => {
        this.replacing = null;
      });
      await this.replacing;
    }
    const producer = this.producer;
    try {
      return await send(producer);
    } catch (error) {
      if (producer === this.producer) this.failed = true;
      throw error;
    }
  }

  /** Disconnects the current producer. */
  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  private async replace(): Promise<void> {
    const old = this.producer;
    this.producer = this.create();
    this.failed = false;
    await old.disconnect().catch(() => {});
    try {
      await this.producer.connect();
    } catch (error) {
      this.failed = true;
      throw error;
    }
    this.onReplaced();
  }
}
