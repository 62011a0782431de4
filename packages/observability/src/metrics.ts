/**
 * Prometheus metrics. Each service owns one registry with default process metrics;
 * labels are service-chosen constants (stage, topic, reason code, method), never
 * record values, so no identifier can reach a scrape.
 *
 * Every metric name a service can export is in `METRIC_NAMES`; the Grafana dashboard
 * in deploy/grafana queries only those (test: deploy/deploy.test.ts).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface ServiceMetrics {
  registry: Registry;
  /**
   * Run (concurrently) before each scrape, e.g. to read consumer lag from Kafka;
   * a refresher that fails leaves its metric at the last value.
   */
  refresh: (() => Promise<void>)[];
  /** Records processed, by stage and outcome (e.g. accepted, refused, linked). */
  records: Counter<"stage" | "outcome">;
  /** Records a stage took in (CSV rows for intake, Kafka messages for consumers). */
  recordsIn: Counter<"stage">;
  /** Records a stage passed on (published to the next topic or stored). */
  recordsOut: Counter<"stage">;
  /** Records a stage refused, by reason code (KRP_ERR_*). */
  recordsRefused: Counter<"stage" | "reason">;
  /** Link decisions by method (exact, withdrawal, ...) and outcome (link, unlink). */
  linkDecisions: Counter<"method" | "outcome">;
  /** Extract builds by outcome (built, refused, failed). */
  extractBuilds: Counter<"outcome">;
  /** Messages in a consumed topic not yet committed by the group; set on each scrape. */
  consumerLag: Gauge<"group" | "topic">;
  /** Messages moved to the consumer dead-letter topic after bounded retries, by source topic. */
  deadLetters: Counter<"topic">;
  /** HTTP requests by route template, method and status. */
  httpRequests: Counter<"route" | "method" | "status">;
  /** HTTP request latency in seconds, by route template, method and status. */
  httpSeconds: Histogram<"route" | "method" | "status">;
  /** Seconds spent handling one Kafka batch, by topic. */
  batchSeconds: Histogram<"topic">;
}

/** Names of Kruispunt's own metrics (prom-client's default process_ and nodejs_ metrics come too). */
export const METRIC_NAMES = {
  records: "kruispunt_records_total",
  recordsIn: "kruispunt_records_in_total",
  recordsOut: "kruispunt_records_out_total",
  recordsRefused: "kruispunt_records_refused_total",
  linkDecisions: "kruispunt_link_decisions_total",
  extractBuilds: "kruispunt_extract_builds_total",
  consumerLag: "kruispunt_kafka_consumer_lag",
  deadLetters: "kruispunt_dead_letters_total",
  httpSeconds: "kruispunt_http_request_duration_seconds",
  batchSeconds: "kruispunt_batch_seconds",
  httpRequests: "kruispunt_http_requests_total",
} as const;

/** A fresh registry for `service` with default metrics and Kruispunt's own. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    refresh: [],
    records: new Counter({
      name: METRIC_NAMES.records,
      help: "Records processed, by stage and outcome",
      labelNames: ["stage", "outcome"] as const,
      registers,
    }),
    recordsIn: new Counter({
      name: METRIC_NAMES.recordsIn,
      help: "Records a stage took in (CSV rows, Kafka messages)",
      labelNames: ["stage"] as const,
      registers,
    }),
    recordsOut: new Counter({
      name: METRIC_NAMES.recordsOut,
      help: "Records a stage passed on (published or stored)",
      labelNames: ["stage"] as const,
      registers,
    }),
    recordsRefused: new Counter({
      name: METRIC_NAMES.recordsRefused,
      help: "Records a stage refused, by reason code",
      labelNames: ["stage", "reason"] as const,
      registers,
    }),
    linkDecisions: new Counter({
      name: METRIC_NAMES.linkDecisions,
      help: "Link decisions by method and outcome",
      labelNames: ["method", "outcome"] as const,
      registers,
    }),
    extractBuilds: new Counter({
      name: METRIC_NAMES.extractBuilds,
      help: "Extract builds by outcome (built, refused, failed)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    consumerLag: new Gauge({
      name: METRIC_NAMES.consumerLag,
      help: "Messages not yet committed by the consumer group, by topic",
      labelNames: ["group", "topic"] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: METRIC_NAMES.deadLetters,
      help: "Messages moved to the consumer dead-letter topic after bounded retries",
      labelNames: ["topic"] as const,
      registers,
    }),
    httpRequests: new Counter({
      name: METRIC_NAMES.httpRequests,
      help: "HTTP requests by route template, method and status",
      labelNames: ["route", "method", "status"] as const,
      registers,
    }),
    httpSeconds: new Histogram({
      name: METRIC_NAMES.httpSeconds,
      help: "HTTP request latency in seconds",
      labelNames: ["route", "method", "status"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    batchSeconds: new Histogram({
      name: METRIC_NAMES.batchSeconds,
      help: "Seconds to handle one Kafka batch",
      labelNames: ["topic"] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
  };
}
