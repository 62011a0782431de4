/**
 * Emits audit events to the audit.events topic. Each event gets a fresh UUID so the
 * audit service appends it exactly once however often Kafka redelivers it.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Bus } from "@kruispunt/bus";
import { TOPICS } from "@kruispunt/bus";
import { encodeEvent } from "@kruispunt/contracts";

export interface AuditRecord {
  /**
   * Set it when the same fact may be recorded again after a Kafka redelivery (see
   * `derivedEventId`); the audit service appends an event id once. Default: random.
   */
  eventId?: string;
  actor: string;
  role: string;
  /** Dotted verb, e.g. "pseudonymise.batch", "link.decision", "release.extract". */
  action: string;
  object: string;
  reference?: string | null;
  counts?: Record<string, number>;
  /** Small scalar facts; never identifiers or record contents. */
  details?: Record<string, string | number | boolean | null>;
}

export class AuditTrail {
  constructor(
    private readonly bus: Bus,
    private readonly service: string,
  ) {}

  /** Publishes the records as audit events; resolves once Kafka acknowledged them. */
  async record(...records: AuditRecord[]): Promise<void> {
    const now = new Date().toISOString();
    await this.bus.publish(
      TOPICS.audit,
      records.map((r) => ({
        key: this.service,
        value: encodeEvent("AuditEvent", {
          eventId: r.eventId ?? randomUUID(),
          occurredAt: now,
          service: this.service,
          actor: r.actor,
          role: r.role,
          action: r.action,
          object: r.object,
          reference: r.reference ?? "",
          counts: r.counts ?? {},
          detailsJson: JSON.stringify(r.details ?? {}),
        }),
      })),
    );
  }
}

/**
 * A UUID-shaped id derived from `parts` (SHA-256, first 128 bits), so that a
 * handler re-run on the same Kafka messages emits the same audit event ids.
 */
export function derivedEventId(...parts: (string | number)[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
