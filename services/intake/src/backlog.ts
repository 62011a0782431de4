/**
 * Back-pressure: intake stops taking records (503 with Retry-After) while the
 * pseudonymiser is more than `maxBacklog` records behind on records.intake, or
 * Kafka does not answer, so that a slow or stopped pseudonymiser shows up at the
 * agency instead of as an ever-growing topic. The lag is read at most once a second.
 */
import { type Bus, TOPICS } from "@kruispunt/bus";
import { KrpError } from "@kruispunt/service-kit";

/** The consumer group whose lag is watched (services/pseudonymiser). */
export const PSEUDONYMISER_GROUP = "pseudonymiser";

/** Returns a check that rejects with KRP_ERR_UNAVAILABLE when the backlog is over `maxBacklog`. */
export function backlogGate(bus: Bus, maxBacklog: number, ttlMs = 1000): () => Promise<void> {
  let checkedAt = 0;
  let backlog = 0;
  return async () => {
    if (Date.now() - checkedAt >= ttlMs) {
      try {
        backlog = await bus.lag(PSEUDONYMISER_GROUP, TOPICS.intake);
      } catch {
        throw new KrpError(
          "KRP_ERR_UNAVAILABLE",
          "Kafka does not answer; records not yet accepted were not taken, re-send them",
        );
      }
      checkedAt = Date.now();
    }
    if (backlog > maxBacklog)
      throw new KrpError(
        "KRP_ERR_UNAVAILABLE",
        `the pseudonymiser is ${backlog} records behind (limit ${maxBacklog}); records not yet accepted were not taken, re-send them`,
      );
  };
}
