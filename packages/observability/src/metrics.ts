/**
 * Prometheus metrics. Each service owns one registry with default process metrics;
 * labels are service-chosen constants (topic, outcome), never record values.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface ServiceMetrics {
  registry: Registry;
  /** Records processed, by stage and outcome (e.g. accepted, refused, linked). */
  records: Counter<"stage" | "outcome">;
  /** Seconds spent handling one Kafka batch, by topic. */
  batchSeconds: Histogram<"topic">;
}

/** A fresh registry for `service` with default metrics and Kruispunt's own. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const records = new Counter({
    name: "kruispunt_records_total",
    help: "Records processed, by stage and outcome",
    labelNames: ["stage", "outcome"] as const,
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: "kruispunt_batch_seconds",
    help: "Seconds to handle one Kafka batch",
    labelNames: ["topic"] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  return { registry, records, batchSeconds };
}
