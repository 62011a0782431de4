/**
 * The Kafka topics Kruispunt uses, with their partition counts. Records are keyed
 * (by source record or linkage pseudonym) so that partitions spread load across
 * consumer-group members while keeping one key's events in order.
 */
export const TOPICS = {
  /** Source records from intake; identifier sealed to the pseudonymiser. */
  intake: "records.intake",
  /** Records carrying a linkage pseudonym instead of the identifier. */
  pseudonymised: "records.pseudonymised",
  /** Records the pseudonymiser could not process (reason codes only, never identifiers). */
  deadLetter: "records.dead-letter",
  /**
   * Messages a consumer could not handle after bounded retries (any topic): the
   * original key and bytes, with the source topic, partition, offset, group and
   * error type in headers, so an operator can inspect and replay them.
   */
  consumerDeadLetter: "consumer.dead-letter",
  /** Link decisions: linked, unlinked, updated. */
  linkage: "linkage.events",
  /** Audit events from every service. */
  audit: "audit.events",
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** An agency's own Kafka intake topic, or the topic its verdicts come back on. */
export type AgencyTopic = `intake.${string}`;

/** Agency names that may have Kafka intake topics (Kafka topic names allow [A-Za-z0-9._-]). */
export const KAFKA_AGENCY_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Kafka intake for `agency`: it produces SourceRecords to `intake.<agency>` and reads
 * its verdicts from `intake.<agency>.verdicts`. Throws RangeError for a name Kafka
 * intake does not support (see {@link KAFKA_AGENCY_NAME}).
 */
export function agencyTopics(agency: string): { intake: AgencyTopic; verdicts: AgencyTopic } {
  if (!KAFKA_AGENCY_NAME.test(agency))
    throw new RangeError("Kafka intake needs an agency name of lowercase letters, digits, _ and -");
  return { intake: `intake.${agency}`, verdicts: `intake.${agency}.verdicts` };
}

/** The topic specs (4 partitions each) of `agency`'s Kafka intake. */
export function agencyTopicSpecs(agency: string): TopicSpec[] {
  const { intake, verdicts } = agencyTopics(agency);
  return [
    { topic: intake, numPartitions: 4 },
    { topic: verdicts, numPartitions: 4 },
  ];
}

export interface TopicSpec {
  topic: TopicName | AgencyTopic;
  numPartitions: number;
}

/** Every topic with its partition count; audit has one partition so its order is total. */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { topic: TOPICS.intake, numPartitions: 4 },
  { topic: TOPICS.pseudonymised, numPartitions: 4 },
  { topic: TOPICS.deadLetter, numPartitions: 1 },
  { topic: TOPICS.consumerDeadLetter, numPartitions: 1 },
  { topic: TOPICS.linkage, numPartitions: 4 },
  { topic: TOPICS.audit, numPartitions: 1 },
];
