/**
 * The only module that touches kafkajs, so the client can be swapped (kafkajs has
 * been unmaintained since 2023). Producers are idempotent with acks from all in-sync
 * replicas; consumers commit an offset only after the handler finished its batch,
 * so a crash redelivers rather than loses (handlers must be idempotent).
 */
import kafkajs, {
  type Admin,
  type Consumer,
  Kafka,
  logLevel,
  Partitioners,
  type Producer,
} from "kafkajs";
import type { Logger } from "pino";
import { TOPIC_SPECS, type TopicName, type TopicSpec } from "./topics";

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
  topic: TopicName;
  /** Handles one fetched batch; throwing makes Kafka redeliver the whole batch. */
  handleBatch: (messages: BusMessage[]) => Promise<void>;
}

/** Connected Kafka producer + admin, and a factory for consumers. */
export class Bus {
  private readonly consumers: Consumer[] = [];

  private constructor(
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly admin: Admin,
    private readonly logger: Logger,
    private readonly namespace: string,
  ) {}

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
          const { message, ...rest } = entry;
          // Retries are bounded on purpose, so that intake answers 503 instead of
          // hanging when Kafka is down; kafkajs warns about that on every start.
          if (message.startsWith("Limiting retries for the idempotent producer")) return;
          if (level <= logLevel.ERROR) log.error(rest, message);
          else log.warn(rest, message);
        },
    });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    return new Bus(kafka, producer, admin, log, options.namespace ?? "");
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
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: this.name(s.topic),
          numPartitions: s.numPartitions,
          replicationFactor: 1,
        })),
      });
    }
    for (let attempt = 0; ; attempt++) {
      const { topics } = await this.admin.fetchTopicMetadata({
        topics: specs.map((s) => this.name(s.topic)),
      });
      const leaderless = topics.flatMap((t) =>
        t.partitions.filter((p) => p.leader < 0).map(() => t.name),
      );
      if (leaderless.length === 0) return;
      if (attempt > 50)
        throw new Error(`topics without partition leaders: ${leaderless.join(", ")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Publishes messages durably (acks=-1, idempotent producer). Rejects if Kafka does not acknowledge. */
  async publish(topic: TopicName, messages: { key: string; value: Uint8Array }[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      topic: this.name(topic),
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: Buffer.from(m.value) })),
    });
  }

  /**
   * Starts a consumer-group member reading `topic` from the beginning. Offsets are
   * committed after `handleBatch` resolves. Returns once the consumer is running.
   */
  async consume(options: ConsumeOptions): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.name(options.groupId),
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: this.name(options.topic), fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        const messages: BusMessage[] = batch.messages.map((m) => ({
          topic: options.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key?.toString("utf8") ?? "",
          value: m.value ?? new Uint8Array(),
        }));
        if (messages.length === 0) return;
        await options.handleBatch(messages);
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
  }

  /** Messages in `topic` not yet committed by `groupId` (sum over partitions). */
  async lag(groupId: string, topic: TopicName): Promise<number> {
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(this.name(topic)),
      this.admin.fetchOffsets({ groupId: this.name(groupId), topics: [this.name(topic)] }),
    ]);
    const done = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
    );
    let lag = 0;
    for (const p of ends) {
      const end = Number(p.high);
      const at = done.get(p.partition) ?? -1;
      lag += at < 0 ? end - Number(p.low) : end - at;
    }
    return lag;
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

  /** Disconnects consumers first (so their offsets are committed), then producer and admin. */
  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.disconnect()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    this.logger.debug("kafka connections closed");
  }
}
