/**
 * The shared fastify app without Kafka or PostgreSQL: a forced error on a request
 * carrying raw identifiers and quasi-identifiers leaves no trace of them in the log
 * or in the answer; oversized bodies get 413; health and metrics endpoints.
 */
import { Writable } from "node:stream";
import { issueToken } from "@kruispunt/auth";
import { createLogger, createMetrics } from "@kruispunt/observability";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServiceApp } from "./app";

// FEBRL 4 rec-1070-org: the identifier and quasi-identifiers a client might send.
const RAW = {
  soc_sec_id: "5304218",
  given_name: "michaela",
  surname: "neumann",
  date_of_birth: "19151111",
  address_1: "stanley street",
};

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});
const metrics = createMetrics("test");
let ready = true;
const app = buildServiceApp({
  name: "test",
  logger: createLogger("test", "trace", sink),
  metrics,
  jwtSecret: "test-secret-test-secret-test-secret",
  bodyLimit: 1024,
  ready: async () => {
    if (!ready) throw new Error("PostgreSQL: connection refused");
  },
});
// A handler that fails the worst way: its error message quotes the request body.
app.post("/v1/boom/:id", async (request) => {
  request.log.info({ record: request.body, query: request.query }, "handling");
  throw new Error(`cannot handle ${JSON.stringify(request.body)}`);
});

// A route with a schema: what a validation 400 names.
app.post(
  "/v1/strict/:id",
  {
    schema: {
      params: { type: "object", properties: { id: { type: "string", pattern: "^[0-9]+$" } } },
      body: {
        type: "object",
        required: ["dataset", "identifier"],
        properties: {
          dataset: { type: "string" },
          identifier: {
            type: "object",
            properties: { scheme: { type: "string", enum: ["be-insz"] } },
          },
        },
      },
    },
  },
  async () => ({}),
);

app.get("/v1/audited", { preHandler: app.authorize("auditor", "service") }, async () => ({}));

beforeAll(() => app.ready());
afterAll(() => app.close());

describe("a forced error on a request carrying raw identifiers", () => {
  it("answers 500 KRP_ERR_INTERNAL and no log line or answer holds any of them", async () => {
    const response = await app.inject({
      method: "POST",
      url: `/v1/boom/${RAW.soc_sec_id}?surname=${RAW.surname}`,
      payload: { ...RAW, nested: { person: { ...RAW } } },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      code: "KRP_ERR_INTERNAL",
      message: "An unexpected error; details are in the service log, never in the response.",
    });
    const log = lines.join("");
    expect(log).toContain('"unhandled error"');
    expect(log).toContain('"route":"/v1/boom/:id"');
    for (const value of Object.values(RAW)) {
      expect(response.body).not.toContain(value);
      expect(log).not.toContain(value);
    }
  });

  it("a malformed JSON body quoting an identifier gets 400 without echoing it", async () => {
    lines.length = 0;
    const response = await app.inject({
      method: "POST",
      url: "/v1/boom/x",
      headers: { "content-type": "application/json" },
      payload: `{"soc_sec_id": ${RAW.soc_sec_id}x}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe("KRP_ERR_BAD_REQUEST");
    expect(response.body + lines.join("")).not.toContain(RAW.soc_sec_id);
  });
});

describe("schema validation", () => {
  it("answers 400 naming the field and the rule broken, never the value", async () => {
    const wrongScheme = await app.inject({
      method: "POST",
      url: "/v1/strict/1",
      payload: { dataset: "d", identifier: { scheme: RAW.soc_sec_id } },
    });
    expect(wrongScheme.statusCode).toBe(400);
    expect(wrongScheme.json()).toEqual({
      code: "KRP_ERR_BAD_REQUEST",
      message: "body/identifier/scheme must be equal to one of the allowed values",
      details: { problems: [{ field: "body/identifier/scheme", rule: "enum" }] },
    });
    expect(wrongScheme.body).not.toContain(RAW.soc_sec_id);
    const missing = await app.inject({ method: "POST", url: "/v1/strict/1", payload: {} });
    expect(missing.json().details).toEqual({
      problems: [{ field: "body/dataset", rule: "required" }],
    });
    const badParam = await app.inject({
      method: "POST",
      url: `/v1/strict/${RAW.surname}`,
      payload: { dataset: "d", identifier: {} },
    });
    expect(badParam.statusCode).toBe(400);
    expect(badParam.json().details).toEqual({
      problems: [{ field: "params/id", rule: "pattern" }],
    });
    expect(badParam.body).not.toContain(RAW.surname);
  });
});

describe("the router's own refusals", () => {
  it("answers an over-long path parameter with 400 in the usual shape, not echoing the path", async () => {
    const id = `${RAW.soc_sec_id}${"x".repeat(2000)}`;
    const response = await app.inject({ method: "POST", url: `/v1/boom/${id}`, payload: {} });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: "KRP_ERR_BAD_REQUEST",
      message: "malformed request path (FST_ERR_MAX_PARAM_LENGTH)",
      details: {},
    });
    expect(response.body).not.toContain(RAW.soc_sec_id);
  });
});

describe("limits", () => {
  it("answers 413 KRP_ERR_PAYLOAD_TOO_LARGE to a body over the limit", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/v1/boom/x",
      payload: { padding: "x".repeat(2048) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe("KRP_ERR_PAYLOAD_TOO_LARGE");
  });
});

describe("health and metrics", () => {
  it("serves /healthz and /readyz with the /health/* aliases; readiness follows the check", async () => {
    for (const url of ["/healthz", "/health/live"]) {
      expect((await app.inject({ url })).json()).toEqual({ status: "live", service: "test" });
    }
    for (const url of ["/readyz", "/health/ready"]) {
      expect((await app.inject({ url })).statusCode).toBe(200);
    }
    ready = false;
    const down = await app.inject({ url: "/readyz" });
    ready = true;
    expect(down.statusCode).toBe(503);
    expect(down.headers["retry-after"]).toBe("5");
    expect(down.json()).toEqual({
      status: "unavailable",
      service: "test",
      reason: "PostgreSQL: connection refused",
    });
  });

  it("/metrics has a latency histogram by route template and runs the refreshers", async () => {
    metrics.refresh.push(async () => metrics.consumerLag.set({ group: "g", topic: "t" }, 7));
    const text = (await app.inject({ url: "/metrics" })).body;
    expect(text).toMatch(
      /kruispunt_http_request_duration_seconds_count\{service="test",route="\/v1\/boom\/:id",method="POST",status="500"\} 1/,
    );
    expect(text).toContain('kruispunt_kafka_consumer_lag{group="g",topic="t",service="test"} 7');
    expect(text).not.toContain(RAW.soc_sec_id);
  });
});

describe("unknown routes", () => {
  it("answer 404 KRP_ERR_NOT_FOUND in the usual error shape, without echoing the path", async () => {
    const response = await app.inject({ method: "GET", url: `/v1/nope/${RAW.soc_sec_id}` });
    expect([response.statusCode, response.json()]).toEqual([
      404,
      {
        code: "KRP_ERR_NOT_FOUND",
        message:
          "no route for GET here; the service's OpenAPI document lists its routes at /openapi.json",
        details: { method: "GET" },
      },
    ]);
    expect(response.body).not.toContain(RAW.soc_sec_id);
  });
});

describe("authorisation", () => {
  it("a valid token of another role gets 403 naming its role and the roles allowed", async () => {
    const token = issueToken("test-secret-test-secret-test-secret", {
      sub: "alpha",
      role: "agency",
    });
    const response = await app.inject({
      method: "GET",
      url: "/v1/audited",
      headers: { authorization: `Bearer ${token}` },
    });
    expect([response.statusCode, response.json()]).toEqual([
      403,
      {
        code: "KRP_ERR_FORBIDDEN",
        message: 'role "agency" may not do this; needs auditor or service',
        details: { role: "agency", allowedRoles: ["auditor", "service"] },
      },
    ]);
  });
});
