/**
 * What every path that settles clusters owes once its transaction has committed — a
 * Kafka batch (app.ts), a reviewer's resolution (review-routes.ts), an estimate's relink
 * (estimate-job.ts): the linkage events on linkage.events, the audit entries of the
 * decisions and newly queued review items, and the decision counter.
 */
import { TOPICS } from "@kruispunt/bus";
import { encodeEvent, type LinkageEvent } from "@kruispunt/contracts";
import type { AuditRecord, ServiceContext } from "@kruispunt/service-kit";
import { decisionAuditEntry, type LinkDecision } from "./decisions";
import { type ReviewItem, reviewAuditEntry } from "./review-queue";

export interface SettledOutcome {
  events: LinkageEvent[];
  decisions: LinkDecision[];
  review: ReviewItem[];
}

/**
 * Publishes `outcome.events` (keyed by cluster, or by record when it left every cluster),
 * then audits `first` followed by the decisions and review items as `who`, and counts the
 * decisions in kruispunt_link_decisions_total{method, outcome}.
 */
export async function announceSettled(
  ctx: ServiceContext,
  outcome: SettledOutcome,
  who: { actor: string; role: string },
  ...first: AuditRecord[]
): Promise<void> {
  await ctx.bus.publish(
    TOPICS.linkage,
    outcome.events.map((e) => ({
      key: e.clusterId || `${e.agency}/${e.dataset}/${e.sourceRecordId}`,
      value: encodeEvent("LinkageEvent", e),
    })),
  );
  await ctx.audit.record(
    ...first,
    ...outcome.decisions.map((d) => decisionAuditEntry(d, who)),
    ...outcome.review.map((r) => reviewAuditEntry(r, who)),
  );
  for (const d of outcome.decisions)
    ctx.metrics.linkDecisions.inc({ method: d.method, outcome: d.outcome });
}
