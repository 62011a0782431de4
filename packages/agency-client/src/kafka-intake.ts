/**
 * The agency side of Kafka intake: produce the records that `processUpload` makes
 * (identifier validated, then sealed) to the agency's own topic `intake.<agency>`
 * instead of uploading them over HTTPS, and read back intake's verdict on each from
 * `intake.<agency>.verdicts`.
 */
import { randomUUID } from "node:crypto";
import { agencyTopics, type Bus } from "@kruispunt/bus";
import { decodeEvent, type IntakeVerdict } from "@kruispunt/contracts";

/** A `publish` for `processUpload` that produces to `intake.<agency>` (acks from all ISRs). */
export function kafkaIntakePublisher(
  bus: Bus,
  agency: string,
): (messages: { key: string; value: Uint8Array }[]) => Promise<void> {
  const { intake } = agencyTopics(agency);
  return (messages) => bus.publish(intake, messages);
}

export interface CollectVerdictsOptions {
  agency: string;
  /** The upload id the records were produced with (processUpload's `uploadId`). */
  uploadId: string;
  /** How many records were produced: resolves once that many verdicts arrived. */
  expected: number;
  /** Rejects after this many milliseconds without all verdicts (default 120 000). */
  timeoutMs?: number;
}

/**
 * Reads `intake.<agency>.verdicts` from the beginning (in a consumer group of its own)
 * until it has one verdict for each of `expected` records of `uploadId`, and resolves
 * with them. A redelivered record's repeated verdict counts once (keyed by its
 * partition and offset in `intake.<agency>`). The consumer stops when `bus` closes.
 */
export function collectVerdicts(
  bus: Bus,
  options: CollectVerdictsOptions,
): Promise<IntakeVerdict[]> {
  const seen = new Map<string, IntakeVerdict>();
  return new Promise((resolve, reject) => {
    if (options.expected === 0) return resolve([]);
    const timer = setTimeout(
      () => reject(new Error(`only ${seen.size} of ${options.expected} verdicts arrived`)),
      options.timeoutMs ?? 120_000,
    );
    bus
      .consume({
        groupId: `agency.${options.agency}.verdicts.${randomUUID()}`,
        topic: agencyTopics(options.agency).verdicts,
        handleBatch: async (messages) => {
          for (const message of messages) {
            const verdict = decodeEvent("IntakeVerdict", message.value);
            if (verdict.uploadId !== options.uploadId) continue;
            seen.set(`${verdict.partition}/${verdict.offset}`, verdict);
          }
          if (seen.size >= options.expected) {
            clearTimeout(timer);
            resolve([...seen.values()]);
          }
        },
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error);
      });
  });
}
