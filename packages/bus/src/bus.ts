/**
 * The only module that touches kafkajs, so the client can be swapped (kafkajs has
 * been unmaintained since 2023). Producers are idempotent with acks from all in-sync
 * replicas; consumers commit an offset only after the handler finished its batch
 * (handlers commit their database transaction before they resolve), so a crash
 * redelivers rather than loses (handlers must be idempotent).
 *
 * A failing batch is retried: forever with backoff while the error is transient (a
 * dependency down, see retry.ts), at most `maxAttempts` times otherwise; then its
 * messages are handled one by one and each one that still fails is published to
 * `consumer.dead-letter` and skipped, so one poison message cannot stop a partition.
 */
import kafkajs, { type Admin, type Consumer, Kafka, logLevel, type Producer } from "kafkajs";
import type { Logger } from "pino";
import { keyPartitioner } from "./partitioner";
import { ProducerSlot } from "./producer-slot";
import { backoffMs, isTransient } from "./retry";
import { type AgencyTopic, TOPIC_SPECS, TOPICS, type TopicName, type TopicSpec } from "./topics";

/** Counts the bus reports as it goes (service-kit turns them into metrics). */
export interface BusObserver {
  /** `count` messages of `topic` were handled by consumer group `group`. */
  consumed?: (group: string, topic: string, count: number) => void;
  /** `count` messages of `topic` were dead-lettered by `group`. */
  deadLettered?: (group: string, topic: string, count: number) => void;
}

export interface BusOptions {
  /** host:port list, e.g. ["127.0.0.1:9092"]. */
  brokers: string[];
  clientId: string;
  logger: Logger;
  /**
   * Prefix for topic and consumer-group names (default ""), so that several
   * deployments, or a test run beside the demo, can share one Kafka cluster.
   */
  namespace?: string;
  /** Attempts at a failing batch before its messages are dead-lettered (default 5). */
  maxAttempts?: number;
  observer?: BusObserver;
  /**
   * How long the group waits for a silent member before it hands its partitions to
   * others (default 30 000 ms; the broker allows 6 000 and up). A member killed
   * without leaving holds its partitions this long.
   */
  sessionTimeoutMs?: number;
  /** Replication factor of the topics `ensureTopics` creates (default 1). */
  replicationFactor?: number;
}

export interface BusMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Uint8Array;
}

export interface ConsumeOptions {
  groupId: string;
  topic: TopicName | AgencyTopic;
  /** Handles one fetched batch; throwing makes Kafka redeliver the whole batch. */
  handleBatch: (messages: BusMessage[]) => Promise<void>;
  /**
   * Most bytes fetched from one partition at a time (kafkajs maxBytesPerPartition), so
   * the most a batch holds while the consumer catches up; default 1 MiB. A handler with
   * a large fixed cost per batch (the linker's) takes more at once.
   */
  maxBatchBytes?: number;
}

interface RunningConsumer {
  consumer: Consumer;
  groupId: string;
  topic: TopicName | AgencyTopic;
  /** Set while a batch is being retried after a transient error (for readiness). */
  retrying: string | null;
  crashed: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One message to publish: key and encoded value. */
export interface OutgoingMessage {
  key: string;
  value: Uint8Array;
}

/** A publish() call waiting for its round. */
export interface QueuedPublish {
  /** Topic name with the namespace. */
  topic: string;
  messages: OutgoingMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Bytes (keys, values and ~64 B framing each) per produce request. The broker
 * refuses a record batch (one partition's share of a request) over its
 * message.max.bytes, 1 MiB by default; at 768 KiB a whole request fits even when
 * every key lands on one partition.
 */
export const SEND_BYTES = 768 * 1024;

const messageBytes = (m: OutgoingMessage) => m.value.byteLength + m.key.length + 64;

/**
 * Removes from the head of `queue` the publishes of the next round: at least one,
 * then more while their bytes together stay within `budget`.
 */
export function takeRound(queue: QueuedPublish[], budget: number): QueuedPublish[] {
  let bytes = 0;
  let n = 0;
  for (const p of queue) {
    const size = p.messages.reduce((sum, m) => sum + messageBytes(m), 0);
    if (n > 0 && bytes + size > budget) break;
    bytes += size;
    n += 1;
  }
  return queue.splice(0, n);
}

/**
 * The round's messages as produce requests (kafkajs `topicMessages`, messages of one
 * topic together, in call order), each within `budget` bytes unless a single
 * message is larger.
 */
export function sendChunks(
  round: readonly Pick<QueuedPublish, "topic" | "messages">[],
  budget: number,
): { topic: string; messages: { key: string; value: Buffer }[] }[][] {
  const chunks: { topic: string; messages: { key: string; value: Buffer }[] }[][] = [];
  let chunk = new Map<string, { key: string; value: Buffer }[]>();
  let bytes = 0;
  const close = () => {
    if (chunk.size > 0) chunks.push([...chunk].map(([topic, messages]) => ({ topic, messages })));
    chunk = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of round) {
    for (const m of messages) {
      const size = messageBytes(m);
      if (bytes > 0 && bytes + size > budget) close();
      let list = chunk.get(topic);
      if (!list) chunk.set(topic, (list = []));
      list.push({
        key: m.key,
        // No copy when the value already is a Buffer (kafkajs wants one).
        value: Buffer.isBuffer(m.value)
          ? m.value
          : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
      });
      bytes += size;
    }
  }
  close();
  return chunks;
}

/** The idempotent producer every publish goes through (acks from all in-sync replicas). */
function newProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // kafkajs' DefaultPartitioner, the same partition per key, without its Long arithmetic.
    createPartitioner: keyPartitioner,
  });
}

/** Connected Kafka producer + admin, and a factory for consumers. */
export class Bus {
  private readonly consumers: RunningConsumer[] = [];
  private readonly queue: QueuedPublish[] = [];
  private draining = false;
  /** Every send (publish and dead letter) goes through it: see `send`. */
  private readonly producer: ProducerSlot<Producer>;

  private constructor(
    private readonly kafka: Kafka,
    producer: Producer,
    private readonly admin: Admin,
    private readonly logger: Logger,
    private readonly namespace: string,
    private readonly maxAttempts: number,
    private readonly observer: BusObserver,
    private readonly replicationFactor: number,
    private readonly sessionTimeoutMs: number,
  ) {
    this.producer = new ProducerSlot(
      producer,
      () => newProducer(kafka),
      () => logger.warn("replaced the Kafka producer after a failed send"),
    );
  }

  private name(topic: string): string {
    return `${this.namespace}${topic}`;
  }

  /** Connects producer and admin. Rejects if no broker answers within kafkajs' retries. */
  static async connect(options: BusOptions): Promise<Bus> {
    const log = options.logger.child({ component: "kafka" });
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      retry: { retries: 8, initialRetryTime: 200 },
      // kafkajs log entries carry broker names and errors, never message payloads.
      logCreator:
        () =>
        ({ level, log: entry }) => {
          const { message, stack, error, ...rest } = entry;
          // Keep an error's type and stack frames, never its message (it may quote a payload).
          if (typeof stack === "string")
            rest.frames = stack
              .split("\n")
              .filter((l: string) => /^\s+at /.test(l))
              .join("\n");
          if (error) rest.errorType = (error as Error).name;
          // Retries are bounded on purpose, so that intake answers 503 instead of
          // hanging when Kafka is down; kafkajs warns about that on every start.
          if (message.startsWith("Limiting retries for the idempotent producer")) return;
          if (level <= logLevel.ERROR) log.error(rest, message);
          else log.warn(rest, message);
        },
    });
    const producer = newProducer(kafka);
    const admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    return new Bus(
      kafka,
      producer,
      admin,
      log,
      options.namespace ?? "",
      options.maxAttempts ?? 5,
      options.observer ?? {},
      options.replicationFactor ?? 1,
      options.sessionTimeoutMs ?? 30_000,
    );
  }

  /**
   * Creates missing topics and waits until every partition has a leader. Broker
   * auto-creation is off (kafkajs mishandles auto-created topics on KRaft).
   */
  async ensureTopics(specs: readonly TopicSpec[] = TOPIC_SPECS): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(this.name(s.topic)));
    if (missing.length > 0) {
      await this.admin.createTopics({
        // Not kafkajs' own wait: on KRaft its metadata request just after creation can
        // answer UNKNOWN_TOPIC_OR_PARTITION, which kafkajs does not retry (a 500 on a
        // dataset registration in CI); the loop below waits for the leaders instead.
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: this.name(s.topic),
          numPartitions: s.numPartitions,
          // kafkajs speaks CreateTopics ≤ v3, which has no "broker default" (-1).
          replicationFactor: this.replicationFactor,
        })),
      });
    }
    for (let attempt = 0; ; attempt++) {
      let topics: Awaited<ReturnType<Admin["fetchTopicMetadata"]>>["topics"];
      try {
        ({ topics } = await this.admin.fetchTopicMetadata({
          topics: specs.map((s) => this.name(s.topic)),
        }));
      } catch (error) {
        // Just after creation a broker may not know the topic yet: ask again.
        if ((error as { type?: string }).type !== "UNKNOWN_TOPIC_OR_PARTITION" || attempt > 50)
          throw error;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const leaderless = topics.flatMap((t) =>
        t.partitions.filter((p) => p.leader < 0).map(() => t.name),
      );
      if (leaderless.length === 0) return;
      if (attempt > 50)
        throw new Error(`topics without partition leaders: ${leaderless.join(", ")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Publishes messages durably (acks=-1, idempotent producer). Resolves once Kafka
   * acknowledged every one of them; rejects if it did not (then some may have been
   * written: consumers are idempotent, a retry is safe).
   *
   * Calls made while a send is out are sent together in the next one (group
   * commit): the producer has one request in flight at a time (the idempotent
   * producer's ordering needs it), so N concurrent callers wait for one round trip
   * each instead of N.
   */
  publish(topic: TopicName | AgencyTopic, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic: this.name(topic), messages, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Sends the queued publishes, a round of at most SEND_BYTES at a time. A failed
   * round's callers are rejected and re-send, which consumers absorb (they are
   * idempotent); the next round goes through a fresh producer (see `send`).
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const round = takeRound(this.queue, SEND_BYTES);
        try {
          for (const topicMessages of sendChunks(round, SEND_BYTES))
            await this.send((producer) => producer.sendBatch({ acks: -1, topicMessages }));
          for (const p of round) p.resolve();
        } catch (error) {
          for (const p of round) p.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * The one way anything is sent to Kafka (publishes and dead letters): through the
   * producer slot, so that a failed send of either kind marks the producer failed and
   * the next send of either kind waits for its replacement (producer-slot.ts).
   */
  private send<T>(send: (producer: Producer) => Promise<T>): Promise<T> {
    return this.producer.send(send);
  }

  /**
   * Starts a consumer-group member reading `topic` from the beginning. Offsets are
   * committed after `handleBatch` resolves (or its failing messages were
   * dead-lettered, see the module comment). Returns once the consumer is running.
   */
  async consume(options: ConsumeOptions): Promise<void> {
    const heartbeatInterval = Math.min(3_000, Math.floor(this.sessionTimeoutMs / 3));
    const consumer = this.kafka.consumer({
      groupId: this.name(options.groupId),
      allowAutoTopicCreation: false,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval,
      ...(options.maxBatchBytes === undefined
        ? {}
        : {
            maxBytesPerPartition: options.maxBatchBytes,
            maxBytes: Math.max(10 * 1024 * 1024, 4 * options.maxBatchBytes),
          }),
    });
    const running: RunningConsumer = {
      consumer,
      groupId: options.groupId,
      topic: options.topic,
      retrying: null,
      crashed: false,
    };
    this.consumers.push(running);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      running.crashed = !payload.restart;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.name(options.topic), fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
        const messages: BusMessage[] = batch.messages.map((m) => ({
          topic: options.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key?.toString("utf8") ?? "",
          value: m.value ?? new Uint8Array(),
        }));
        if (messages.length === 0) return;
        const context = { options, running, heartbeat, isRunning };
        // kafkajs sends heartbeats only when asked to: a batch that takes longer than
        // the session timeout (a loaded database, a big catch-up batch) would get this
        // member evicted, its offset commit refused and the batch handed to another
        // member, again and again. Keep heartbeating while the handler works.
        const beating = setInterval(() => {
          heartbeat().catch(() => {});
        }, heartbeatInterval);
        try {
          if (!(await this.attempt(context, messages))) {
            // Bounded retries used up: isolate the poison message(s).
            for (const message of messages) {
              if (messages.length > 1 && (await this.attempt(context, [message]))) continue;
              await this.deadLetter(options, message);
            }
          }
        } finally {
          clearInterval(beating);
        }
        this.observer.consumed?.(options.groupId, options.topic, messages.length);
        resolveOffset(batch.lastOffset());
        await heartbeat();
      },
    });
  }

  /**
   * Runs the handler on `messages` until it succeeds (→ true) or has failed
   * `maxAttempts` times with non-transient errors (→ false). Transient errors are
   * retried without bound, with backoff. Throws if the consumer is stopping, so
   * the batch is not committed and is redelivered after the restart.
   */
  private async attempt(
    context: {
      options: ConsumeOptions;
      running: RunningConsumer;
      heartbeat: () => Promise<void>;
      isRunning: () => boolean;
    },
    messages: BusMessage[],
  ): Promise<boolean> {
    const { options, running } = context;
    for (let failures = 0, tries = 0; ; ) {
      try {
        await options.handleBatch(messages);
        running.retrying = null;
        return true;
      } catch (error) {
        tries += 1;
        const transient = isTransient(error);
        if (!transient) failures += 1;
        const at = {
          group: options.groupId,
          topic: options.topic,
          partition: messages[0]?.partition,
          offset: messages[0]?.offset,
          messages: messages.length,
        };
        const type = (error as Error)?.name ?? "Error";
        const code = (error as { code?: unknown })?.code;
        this.logger.warn(
          {
            ...at,
            errorType: type,
            errorCode: typeof code === "string" ? code : undefined,
            transient,
            tries,
          },
          "batch handler failed; retrying",
        );
        if (!transient && failures >= this.maxAttempts) return false;
        running.retrying = transient
          ? `${type}${typeof code === "string" ? ` ${code}` : ""}`
          : null;
        if (!context.isRunning()) throw error;
        await sleep(backoffMs(tries));
        if (!context.isRunning()) throw error;
        await context.heartbeat().catch(() => {});
      }
    }
  }

  /** Publishes `message` to consumer.dead-letter with where it came from; throws if Kafka refuses. */
  private async deadLetter(options: ConsumeOptions, message: BusMessage): Promise<void> {
    const topic = this.name(TOPICS.consumerDeadLetter);
    await this.send((producer) =>
      producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: Buffer.from(message.value),
            headers: {
              "kruispunt-source-topic": this.name(message.topic),
              "kruispunt-source-partition": String(message.partition),
              "kruispunt-source-offset": message.offset,
              "kruispunt-group": this.name(options.groupId),
              "kruispunt-attempts": String(this.maxAttempts),
            },
          },
        ],
      }),
    );
    this.observer.deadLettered?.(options.groupId, options.topic, 1);
    this.logger.error(
      {
        group: options.groupId,
        topic: options.topic,
        partition: message.partition,
        offset: message.offset,
      },
      "message dead-lettered after bounded retries",
    );
  }

  /** Lag of every consumer this bus runs, `{group, topic, lag}` (group and topic without namespace). */
  async consumerLags(): Promise<{ group: string; topic: TopicName | AgencyTopic; lag: number }[]> {
    return Promise.all(
      this.consumers.map(async (c) => ({
        group: c.groupId,
        topic: c.topic,
        lag: await this.lag(c.groupId, c.topic),
      })),
    );
  }

  /**
   * Resolves when a broker answers within `timeoutMs` and every consumer runs;
   * rejects naming the problem (broker unreachable, a consumer stopped, a consumer
   * waiting out a dependency outage).
   */
  async health(timeoutMs = 3_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.admin.describeCluster(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Kafka did not answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    for (const c of this.consumers) {
      if (c.crashed) throw new Error(`Kafka consumer ${c.groupId} on ${c.topic} has stopped`);
      if (c.retrying)
        throw new Error(`Kafka consumer ${c.groupId} waits for a dependency (${c.retrying})`);
    }
  }

  /** Messages in `topic` not yet committed by `groupId` (sum over partitions). */
  async lag(groupId: string, topic: TopicName | AgencyTopic): Promise<number> {
    const { total, committed } = await this.offsets(groupId, topic);
    return total - committed;
  }

  /**
   * Where `groupId` stands in `topic`: per partition the low and high watermarks and
   * the group's committed offset (the next offset it would read; `low` if it never
   * committed), and the sums `total` (messages now in Kafka) and `committed`
   * (messages below the committed offsets), e.g. to check what a stopped consumer
   * committed against what it stored.
   */
  async offsets(
    groupId: string,
    topic: TopicName | AgencyTopic,
  ): Promise<{
    total: number;
    committed: number;
    partitions: { partition: number; low: number; high: number; committed: number }[];
  }> {
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(this.name(topic)),
      this.admin.fetchOffsets({ groupId: this.name(groupId), topics: [this.name(topic)] }),
    ]);
    const done = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
    );
    const partitions = ends.map((p) => {
      const low = Number(p.low);
      const at = done.get(p.partition) ?? -1;
      return { partition: p.partition, low, high: Number(p.high), committed: at < 0 ? low : at };
    });
    return {
      total: partitions.reduce((n, p) => n + p.high - p.low, 0),
      committed: partitions.reduce((n, p) => n + p.committed - p.low, 0),
      partitions,
    };
  }

  /**
   * Every message now in `topic` (from the low to the high watermark of each
   * partition, as they were when called), with its headers as UTF-8 strings, in
   * partition then offset order. For operators and tests (e.g. inspecting
   * consumer.dead-letter); it reads through a throwaway consumer group that is
   * deleted afterwards, so it moves no service's offsets. Rejects after
   * `timeoutMs` (default 30 000) if the messages could not all be read.
   */
  async readTopic(
    topic: TopicName | AgencyTopic,
    timeoutMs = 30_000,
  ): Promise<(BusMessage & { headers: Record<string, string> })[]> {
    const name = this.name(topic);
    const ends = await this.admin.fetchTopicOffsets(name);
    const wanted = new Map(
      ends
        .filter((p) => Number(p.high) > Number(p.low))
        .map((p) => [p.partition, Number(p.high) - 1] as const),
    );
    const seen: (BusMessage & { headers: Record<string, string> })[] = [];
    if (wanted.size === 0) return seen;
    const groupId = `${this.namespace}reader-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    let timer: NodeJS.Timeout | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: name, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`read ${seen.length} messages of ${name} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              const last = wanted.get(partition);
              if (last === undefined || Number(message.offset) > last) return;
              seen.push({
                topic,
                partition,
                offset: message.offset,
                key: message.key?.toString("utf8") ?? "",
                value: message.value ?? new Uint8Array(),
                headers: Object.fromEntries(
                  Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
                ),
              });
              if (Number(message.offset) === last) wanted.delete(partition);
              if (wanted.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => {});
      await this.admin.deleteGroups([groupId]).catch(() => {});
    }
    return seen.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  }

  /**
   * The log directories of every broker (their `log.dirs` setting), e.g. for a test
   * that scans Kafka's segment files on this machine.
   */
  async brokerLogDirs(): Promise<string[]> {
    const { brokers } = await this.admin.describeCluster();
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: brokers.map((b) => ({
        // Not a named export Node can see in the CommonJS module: read it off the default.
        type: kafkajs.ConfigResourceTypes.BROKER,
        name: String(b.nodeId),
        configNames: ["log.dirs"],
      })),
    });
    return resources.flatMap((r) =>
      r.configEntries.flatMap((e) => (e.configValue ?? "").split(",").filter(Boolean)),
    );
  }

  /**
   * Stops every consumer: each finishes the batch in hand (its offsets are then
   * committed) and fetches no more. Producer and admin stay connected.
   */
  async stopConsumers(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.consumer.stop()));
  }

  /**
   * Disconnects consumers first (each finishes its current batch and commits its
   * offsets, or, if it is waiting out an outage, leaves the batch uncommitted for
   * redelivery), then producer and admin.
   */
  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.consumer.disconnect()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    this.logger.debug("kafka connections closed");
  }
}
