/**
 * Operations over one end-to-end run (FEBRL 4 persons < 200, real Kafka and
 * PostgreSQL): metrics scraped from every service with exact values, health,
 * a bad setting at start-up, JWT tampering, oversized and trickled requests,
 * fast-check fuzzing of every endpoint (≥ 10 000 requests, no 5xx, no crash),
 * and a leak scan over Kafka segments, a pg_dump, logs, metrics and extracts.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { issueToken } from "@kruispunt/auth";
import { REPO_ROOT, SERVICE_NAMES, type ServiceName } from "@kruispunt/service-kit";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, KAFKA_BROKERS, startHarness } from "./harness";
import { findIdentifiers, findWords, kafkaTopicDirs, scanFiles } from "./privacy-scan";

const PAIRS = 200;
const REQUEST_TIMEOUT_MS = 8_000;
let harness: Harness;
let secret: string;
const metricsText: Partial<Record<ServiceName, string>> = {};

beforeAll(async () => {
  // startServices passes this process's environment on: a short whole-request deadline.
  process.env.HTTP_REQUEST_TIMEOUT_MS = String(REQUEST_TIMEOUT_MS);
  harness = await startHarness("e2e_ops", 18_000, PAIRS);
  delete process.env.HTTP_REQUEST_TIMEOUT_MS;
  secret = readFileSync(join(harness.dataDir, "keys", "jwt.secret"), "utf8").trim();
  for (const s of SERVICE_NAMES)
    metricsText[s] = await (await fetch(`${harness.urls[s]}/metrics`)).text();
}, 600_000);
afterAll(async () => {
  await harness?.stop();
});

/** The value of one sample, e.g. sample("intake", "kruispunt_records_in_total", {stage: "intake"}). */
function sample(service: ServiceName, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of (metricsText[service] ?? "").split("\n")) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/([a-z_]+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      total += Number(m[3]);
      found = true;
    }
  }
  if (!found) throw new Error(`${service} exports no ${name} ${JSON.stringify(labels)}`);
  return total;
}

describe("metrics of every service after the run", () => {
  it("count records in, out and refused, link decisions, extract builds and HTTP latency exactly", () => {
    const { agencies, linkage } = harness.summary;
    const submitted = (agencies.alpha?.submitted ?? 0) + (agencies.beta?.submitted ?? 0);
    expect(submitted).toBe(2 * PAIRS);
    expect(sample("intake", "kruispunt_records_in_total", { stage: "intake" })).toBe(submitted);
    expect(sample("intake", "kruispunt_records_out_total", { stage: "intake" })).toBe(submitted);
    expect(sample("pseudonymiser", "kruispunt_records_in_total", { stage: "pseudonymiser" })).toBe(
      submitted,
    );
    expect(sample("pseudonymiser", "kruispunt_records_out_total", { stage: "pseudonymiser" })).toBe(
      submitted,
    );
    expect(sample("linker", "kruispunt_records_in_total", { stage: "linker" })).toBe(submitted);
    // Link decisions per method: exact (pseudonyms) and pprl (encodings), one per linked pair.
    const byMethod = linkage.by_method;
    expect((byMethod.exact ?? 0) + (byMethod.pprl ?? 0)).toBe(linkage.linked_pairs);
    expect(byMethod.pprl).toBeGreaterThan(0);
    expect(
      sample("linker", "kruispunt_link_decisions_total", { method: "exact", outcome: "link" }),
    ).toBe(byMethod.exact);
    expect(
      sample("linker", "kruispunt_link_decisions_total", { method: "pprl", outcome: "link" }),
    ).toBe(byMethod.pprl);
    expect(
      sample("linker", "kruispunt_records_refused_total", { reason: "KRP_ERR_KEY_MISMATCH" }),
    ).toBe(0);
    expect(sample("release", "kruispunt_extract_builds_total", { outcome: "built" })).toBe(1);
    expect(
      sample("release", "kruispunt_records_in_total", { stage: "release" }),
    ).toBeGreaterThanOrEqual(submitted);
    expect(sample("audit", "kruispunt_records_out_total", { stage: "audit" })).toBeGreaterThan(
      linkage.linked_pairs,
    );
    expect(
      sample("intake", "kruispunt_http_request_duration_seconds_count", {
        route: "/v1/datasets/:dataset/uploads",
        method: "POST",
        status: "200",
      }),
    ).toBe(2);
    for (const [service, group, topic] of [
      ["pseudonymiser", "pseudonymiser", "records.intake"],
      ["linker", "linker", "records.pseudonymised"],
      ["release", "release", "linkage.events"],
      ["audit", "audit", "audit.events"],
    ] as const) {
      expect(
        sample(service, "kruispunt_kafka_consumer_lag", { group, topic }),
      ).toBeGreaterThanOrEqual(0);
    }
  });

  it("serves /healthz and /readyz (and the old /health/* names) on every service", async () => {
    for (const s of SERVICE_NAMES) {
      for (const path of ["/healthz", "/readyz", "/health/live", "/health/ready"]) {
        const response = await fetch(`${harness.urls[s]}${path}`);
        expect(response.status, `${s}${path}`).toBe(200);
      }
    }
  });
});

describe("configuration", () => {
  it("a service with a bad setting exits 2 naming it, before connecting anywhere", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "services", "linker", "src", "main.ts")],
      { cwd: REPO_ROOT, env: { ...process.env, PORT: "99999", KAFKA_BROKERS: "127.0.0.1:1" } },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(/^kruispunt-linker: configuration: PORT: .*65535$/);
  });
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
function forged(header: object, claims: object, key: string): string {
  const body = `${b64(header)}.${b64(claims)}`;
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
}

describe("JWT tampering", () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = (): [string, string, number][] => [
    [
      "alg none",
      `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alpha", role: "agency", iat: now })}.`,
      401,
    ],
    // Signed with HS256 as ours are, but with a key that is not ours, or expired.
    ...(
      [
        ["wrong key", { iat: now }, "not-the-key"],
        ["another deployment's issuer", { iat: now }, "beta-agency-own-secret-0123456789"],
        ["expired", { iat: now - 7200, exp: now - 3600 }, secret],
      ] as const
    ).map(([what, times, key]): [string, string, number] => [
      what,
      forged({ alg: "HS256", typ: "JWT" }, { sub: "alpha", role: "agency", ...times }, key),
      401,
    ]),
    [
      "payload edited after signing",
      (() => {
        const [h, , s] = issueToken(secret, { sub: "alpha", role: "agency" }).split(".");
        return `${h}.${b64({ sub: "alpha", role: "auditor", iat: now })}.${s}`;
      })(),
      401,
    ],
    ["wrong role", issueToken(secret, { sub: "rita", role: "researcher" }), 403],
  ];

  it("401 for a token that is not ours or not valid, 403 for a valid token of the wrong role", async () => {
    for (const [what, token, status] of cases()) {
      const response = await fetch(`${harness.urls.intake}/v1/datasets/persons`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, what).toBe(status);
      expect(((await response.json()) as { code: string }).code).toBe(
        status === 401 ? "KRP_ERR_UNAUTHENTICATED" : "KRP_ERR_FORBIDDEN",
      );
    }
  });

  it("another agency's valid token: 403 on alpha's upload, naming nothing of it", async () => {
    const { rows } = await harness.pool.query(
      "SELECT upload_id, dataset FROM intake.uploads WHERE agency = 'alpha' LIMIT 1",
    );
    const uploadId = rows[0].upload_id as string;
    const beta = issueToken(secret, { sub: "beta", role: "agency" });
    for (const path of [`/v1/uploads/${uploadId}`, `/v1/uploads/${uploadId}/verdicts`]) {
      const response = await fetch(`${harness.urls.intake}${path}`, {
        headers: { authorization: `Bearer ${beta}` },
      });
      expect(response.status, path).toBe(403);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe("KRP_ERR_FORBIDDEN");
      expect(body.message).not.toContain("alpha");
      expect(body.message).not.toContain(rows[0].dataset);
    }
  });
});

describe("oversized and slow requests", () => {
  it("413 for a JSON body over the limit on every service", async () => {
    // Body limits apply before authentication: no token needed to be refused. The request
    // declares a 2 MiB body and sends none: the service answers 413 from the header alone.
    // (Sending the bytes races the service closing the socket: the client then sees EPIPE.)
    const declared = 2 * 1024 * 1024;
    const routes: [ServiceName, string, string][] = [
      ["intake", "PUT", "/v1/datasets/persons"],
      ["pseudonymiser", "POST", "/v1/pseudonymise"],
      ["linker", "POST", "/v1/directory/lookup"],
      ["release", "POST", "/v1/projects"],
      ["audit", "POST", "/v1/audit/checkpoints"],
    ];
    for (const [s, method, path] of routes) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = httpRequest(`${harness.urls[s]}${path}`, {
          method,
          headers: { "content-type": "application/json", "content-length": String(declared) },
        });
        req.on("response", (res) => {
          resolve(res.statusCode);
          res.resume();
          req.destroy();
        });
        req.on("error", reject);
        req.flushHeaders();
      });
      expect([413], s).toContain(status);
    }
  });

  it("a client trickling bytes is cut off after the request deadline", async () => {
    const url = new URL(harness.urls.intake);
    const started = Date.now();
    const outcome = await new Promise<{ answer: string; ms: number }>((resolve) => {
      const socket = connect(Number(url.port), url.hostname);
      let answer = "";
      const request =
        "POST /v1/datasets/persons/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n";
      let i = 0;
      const drip = setInterval(() => {
        if (i < request.length) socket.write(request[i++] ?? "");
        else socket.write("1");
      }, 200);
      socket.on("data", (d) => {
        answer += String(d);
      });
      socket.on("close", () => {
        clearInterval(drip);
        resolve({ answer, ms: Date.now() - started });
      });
      socket.on("error", () => {});
    });
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(outcome.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(outcome.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 15_000);
  });
});

describe("fuzzing every endpoint", () => {
  it("answers ≥ 10 000 generated requests without a 5xx, and every service stays up", async () => {
    const routes: { service: ServiceName; method: string; path: string }[] = [];
    for (const s of SERVICE_NAMES) {
      const document = (await (await fetch(`${harness.urls[s]}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      for (const [path, methods] of Object.entries(document.paths))
        for (const method of Object.keys(methods))
          routes.push({ service: s, method: method.toUpperCase(), path });
    }
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const roles = ["agency", "researcher", "committee", "auditor", "service"] as const;
    const token = fc.oneof(
      fc.constant(undefined),
      fc
        .constantFrom(...roles)
        .map((role) => issueToken(secret, { sub: role === "agency" ? "alpha" : "fuzz", role })),
      fc.string(),
    );
    const segment = fc.oneof(
      fc.string(),
      fc.constantFrom(
        "persons",
        "p-000000000000",
        "00000000-0000-0000-0000-000000000000",
        "..",
        "%00",
        "a".repeat(300),
      ),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      fc.json().map((j) => ({ type: "application/json", data: j })),
      fc.anything().map((a) => ({ type: "application/json", data: JSON.stringify(a) ?? "null" })),
      fc.string().map((s) => ({ type: "text/csv", data: `record_id,soc_sec_id\n${s}` })),
      fc
        .uint8Array({ maxLength: 512 })
        .map((b) => ({ type: "application/octet-stream", data: Buffer.from(b) })),
    );
    const query = fc.dictionary(
      fc.constantFrom(
        "left",
        "right",
        "limit",
        "action",
        "linkagePseudonym",
        "projectId",
        "format",
      ),
      fc.string(),
      { maxKeys: 3 },
    );
    const request = fc.record({
      route: fc.constantFrom(...routes),
      params: fc.array(segment, { minLength: 3, maxLength: 3 }),
      token,
      body,
      query,
    });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const samples = fc.sample(request, { numRuns: 10_000, seed: 20261129 });
    let next = 0;
    const worker = async () => {
      while (next < samples.length) {
        const r = samples[next++];
        if (!r) break;
        let p = 0;
        const path = r.route.path.replace(/\{[^}]+\}/g, () =>
          encodeURIComponent(r.params[p++] ?? ""),
        );
        const qs = new URLSearchParams(r.query).toString();
        const headers: Record<string, string> = {};
        if (r.token !== undefined) headers.authorization = `Bearer ${r.token}`;
        if (r.body) headers["content-type"] = r.body.type;
        const hasBody = r.body && !["GET", "HEAD"].includes(r.route.method);
        try {
          const response = await fetch(
            `${harness.urls[r.route.service]}${path}${qs ? `?${qs}` : ""}`,
            {
              method: r.route.method,
              headers,
              body: hasBody ? (r.body?.data as string | Buffer) : undefined,
              signal: AbortSignal.timeout(30_000),
            },
          );
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500)
            failures.push(`${response.status} ${r.route.method} ${r.route.service}${r.route.path}`);
        } catch (error) {
          failures.push(
            `no answer ${r.route.method} ${r.route.service}${r.route.path}: ${(error as Error).name}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    console.log(
      `fuzz: ${total} requests over ${routes.length} routes, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(failures.slice(0, 10)).toEqual([]);
    expect(total).toBe(10_000);
    for (const [service, child] of harness.services.processes)
      expect(child.exitCode, service).toBeNull();
  });
});

describe("leak scan over the whole run", () => {
  it("no raw identifier or raw name in Kafka segments, a pg_dump, logs, metrics or extracts", async () => {
    const identifiers = new Set<string>();
    const names = new Set<string>();
    for (const file of ["dataset4a.csv", "dataset4b.csv"]) {
      const [head, ...rows] = readFileSync(join(FEBRL_DIR, file), "utf8").trim().split("\n");
      const columns = (head ?? "").split(",").map((c) => c.trim());
      for (const row of rows) {
        const cells = row.split(",").map((c) => c.trim());
        const person = Number(/^rec-(\d+)-/.exec(cells[0] ?? "")?.[1]);
        if (!(person < PAIRS)) continue;
        identifiers.add(cells[columns.indexOf("soc_sec_id")] ?? "");
        for (const c of ["given_name", "surname"]) {
          const v = (cells[columns.indexOf(c)] ?? "").toLowerCase();
          if (/^[a-z]{5,}$/.test(v)) names.add(v);
        }
      }
    }
    expect(identifiers.size).toBeGreaterThan(200);
    expect(names.size).toBeGreaterThan(100);
    const dump = execFileSync(
      "pg_dump",
      ["-h", "127.0.0.1", "-U", "postgres", "--data-only", `kruispunt_${harness.name}`],
      {
        maxBuffer: 512 * 1024 * 1024,
      },
    ).toString("latin1");
    expect(dump).toContain("COPY linker.records");
    const metrics = Object.values(metricsText).join("\n");
    const segments = await kafkaTopicDirs(KAFKA_BROKERS, harness.namespace);
    expect(segments.length).toBeGreaterThanOrEqual(14);
    const roots = [
      ...segments,
      join(harness.dataDir, "logs"),
      harness.outDir,
      join(harness.dataDir, "release"),
    ];
    const hits = [
      ...scanFiles(roots, identifiers),
      ...findIdentifiers(dump, identifiers, "pg_dump"),
      ...findIdentifiers(metrics, identifiers, "metrics"),
      ...findWords(dump, names, "pg_dump"),
      ...findWords(metrics, names, "metrics"),
    ];
    const walkWords = (roots: string[]) => {
      const found: ReturnType<typeof findWords> = [];
      const fs = require("node:fs") as typeof import("node:fs");
      const walk = (p: string) => {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (st?.isDirectory()) for (const e of fs.readdirSync(p)) walk(join(p, e));
        else if (st?.isFile())
          found.push(...findWords(fs.readFileSync(p).toString("latin1"), names, p));
      };
      for (const r of roots) walk(r);
      return found;
    };
    hits.push(...walkWords(roots));
    expect(hits.slice(0, 10)).toEqual([]);
  });
});
