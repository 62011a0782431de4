/**
 * deploy/ against the code: the Compose file, the Kubernetes manifests, the
 * Prometheus scrape list and the Grafana dashboard must name the services, ports,
 * settings, probe paths and metrics the code actually has. No services run here.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createMetrics } from "@kruispunt/observability";
import {
  configSchema,
  loadConfig,
  REPO_ROOT,
  SERVICE_NAMES,
  SERVICE_PORTS,
  type ServiceName,
} from "@kruispunt/service-kit";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

const deploy = (path: string) => join(REPO_ROOT, "deploy", path);
const read = (path: string) => readFileSync(deploy(path), "utf8");
/** Settings the image itself reads besides the config schema. */
const IMAGE_SETTINGS = new Set(["SERVICE"]);
const settingsOf = (service: ServiceName) => new Set(Object.keys(configSchema(service).shape));

type Env = Record<string, string>;

describe("compose.yaml", () => {
  const compose = parse(read("compose.yaml"), { merge: true }) as {
    services: Record<
      string,
      {
        environment?: Env;
        ports?: string[];
        command?: string[];
        depends_on?: Record<string, unknown>;
      }
    >;
  };

  it.each(SERVICE_NAMES)("runs %s on its port with settings its config schema accepts", (s) => {
    const service = compose.services[s];
    expect(service, s).toBeDefined();
    const env = Object.fromEntries(
      Object.entries(service?.environment ?? {}).map(([k, v]) => [k, String(v)]),
    );
    expect(env.SERVICE).toBe(s);
    expect(Number(env.PORT)).toBe(SERVICE_PORTS[s]);
    expect(service?.ports).toEqual([`${SERVICE_PORTS[s]}:${SERVICE_PORTS[s]}`]);
    for (const key of Object.keys(env))
      expect(settingsOf(s).has(key) || IMAGE_SETTINGS.has(key), `${s}: ${key}`).toBe(true);
    const config = loadConfig(s, env);
    expect(config.kafkaBrokers).toEqual(["kafka:9092"]);
    expect(config.databaseUrl).toBe("postgres://postgres@postgres:5432/kruispunt");
    expect(Object.keys(service?.depends_on ?? {}).sort()).toEqual(["kafka", "migrate", "postgres"]);
  });

  it("migrates with the CLI command that exists, and Kafka listens where the services look", () => {
    expect(compose.services.migrate?.command?.slice(-2)).toEqual(["db", "migrate"]);
    expect(existsSync(join(REPO_ROOT, compose.services.migrate?.command?.[3] ?? "none"))).toBe(
      true,
    );
    expect(compose.services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS).toBe(
      "PLAINTEXT://kafka:9092",
    );
    // The local script's single-node settings match the Compose broker's.
    const script = readFileSync(deploy("kafka.sh"), "utf8");
    expect(script).toContain("auto.create.topics.enable=false");
    expect(compose.services.kafka?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe("false");
  });

  it("Prometheus scrapes each service on its compose name and port", () => {
    const prometheus = parse(read("prometheus/prometheus.yml")) as {
      scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const job = prometheus.scrape_configs[0];
    expect(job?.metrics_path).toBe("/metrics");
    expect(job?.static_configs[0]?.targets).toEqual(
      SERVICE_NAMES.map((s) => `${s}:${SERVICE_PORTS[s]}`),
    );
  });

  it("the image runs services/$SERVICE/src/main.ts and probes /readyz", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toContain("services/${SERVICE:?");
    expect(dockerfile).toContain("/readyz");
    for (const s of SERVICE_NAMES)
      expect(existsSync(join(REPO_ROOT, "services", s, "src", "main.ts"))).toBe(true);
  });

  it("copies the dependency patches before pnpm fetch, which refuses to run without them", () => {
    const dockerfile = read("Dockerfile");
    const workspace = parse(readFileSync(join(REPO_ROOT, "pnpm-workspace.yaml"), "utf8")) as {
      patchedDependencies?: Record<string, string>;
    };
    const patches = Object.values(workspace.patchedDependencies ?? {});
    for (const patch of patches) {
      expect(patch.startsWith("patches/"), patch).toBe(true);
      expect(existsSync(join(REPO_ROOT, patch)), patch).toBe(true);
    }
    if (patches.length > 0)
      expect(dockerfile.indexOf("COPY patches ./patches")).toBeGreaterThan(-1);
    expect(dockerfile.indexOf("COPY patches ./patches")).toBeLessThan(
      dockerfile.indexOf("RUN pnpm fetch"),
    );
  });
});

describe("k8s manifests", () => {
  const kustomization = parse(read("k8s/kustomization.yaml")) as { resources: string[] };
  const configMap = (parse(read("k8s/configmap.yaml")) as { data: Env }).data;

  it("kustomization lists the config, the migration job and one file per service", () => {
    expect(kustomization.resources.sort()).toEqual(
      ["configmap.yaml", "migrate-job.yaml", ...SERVICE_NAMES.map((s) => `${s}.yaml`)].sort(),
    );
  });

  it("the ConfigMap holds only settings the schema knows, each well-formed", () => {
    for (const s of SERVICE_NAMES) {
      for (const key of Object.keys(configMap)) expect(settingsOf(s).has(key), key).toBe(true);
      const config = loadConfig(s, configMap);
      expect(config.serviceUrls).toEqual(
        Object.fromEntries(SERVICE_NAMES.map((n) => [n, `http://${n}:${SERVICE_PORTS[n]}`])),
      );
    }
  });

  it.each(SERVICE_NAMES)(
    "%s: Deployment and Service on its port, probes on /healthz and /readyz",
    (s) => {
      const [deployment, service] = parseAllDocuments(read(`k8s/${s}.yaml`)).map((d) => d.toJS());
      expect(deployment.kind).toBe("Deployment");
      expect(deployment.metadata.name).toBe(s);
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      const env = Object.fromEntries(
        (container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
      );
      expect(env.SERVICE).toBe(s);
      expect(Number(env.PORT)).toBe(SERVICE_PORTS[s]);
      for (const key of Object.keys(env))
        expect(settingsOf(s).has(key) || IMAGE_SETTINGS.has(key), key).toBe(true);
      expect(loadConfig(s, { ...configMap, ...env }).port).toBe(SERVICE_PORTS[s]);
      expect(container.ports).toEqual([{ name: "http", containerPort: SERVICE_PORTS[s] }]);
      expect(container.readinessProbe.httpGet.path).toBe("/readyz");
      expect(container.livenessProbe.httpGet.path).toBe("/healthz");
      // Longer than the service's own drain deadline, so SIGTERM drains before SIGKILL.
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
        Number(configMap.SHUTDOWN_GRACE_MS),
      );
      expect(service.kind).toBe("Service");
      expect(service.metadata.name).toBe(s);
      expect(service.spec.ports[0].port).toBe(SERVICE_PORTS[s]);
    },
  );
});

describe("Grafana dashboard", () => {
  const dashboard = JSON.parse(read("grafana/kruispunt-dashboard.json")) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const exported = new Set(
    createMetrics("deploy-test")
      .registry.getMetricsAsArray()
      .map((m) => m.name),
  );
  const queried = dashboard.panels.flatMap((p) =>
    p.targets.flatMap((t) =>
      [...t.expr.matchAll(/\b((?:kruispunt|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1] ?? ""),
    ),
  );

  it("queries only metrics the services export", () => {
    expect(queried.length).toBeGreaterThanOrEqual(dashboard.panels.length);
    for (const name of queried) {
      const base = name.replace(/_(bucket|sum|count)$/, "");
      expect(exported.has(name) || exported.has(base), name).toBe(true);
    }
  });

  it("covers records in/out/refused, link decisions, consumer lag, HTTP latency and extract builds", () => {
    for (const name of [
      "kruispunt_records_in_total",
      "kruispunt_records_out_total",
      "kruispunt_records_refused_total",
      "kruispunt_link_decisions_total",
      "kruispunt_kafka_consumer_lag",
      "kruispunt_http_request_duration_seconds_bucket",
      "kruispunt_extract_builds_total",
    ])
      expect(queried).toContain(name);
  });
});
