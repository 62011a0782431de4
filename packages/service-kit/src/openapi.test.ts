/**
 * The OpenAPI document buildServiceApp serves: valid OpenAPI 3.1 (checked against the
 * official schema by @seriousme/openapi-schema-validator), listing every route a
 * service adds after building the app, with its description and schemas.
 */

import { createLogger, createMetrics } from "@kruispunt/observability";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServiceApp } from "./app";
import { OPENAPI_PATH } from "./openapi";

let app: FastifyInstance;
let document: {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, { description?: string; parameters?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown> };
};

beforeAll(async () => {
  app = buildServiceApp({
    name: "example",
    logger: createLogger("example", "silent"),
    metrics: createMetrics("example"),
    jwtSecret: "test-secret-test-secret-test-secret",
  });
  app.get(
    "/v1/things/:thing",
    {
      schema: {
        description: "One thing by name.",
        params: {
          type: "object",
          required: ["thing"],
          properties: { thing: { type: "string", description: "the thing's name" } },
        },
      },
    },
    async () => ({}),
  );
  app.post("/v1/things", async () => ({}));
  await app.ready();
  const response = await app.inject({ method: "GET", url: OPENAPI_PATH });
  expect(response.statusCode).toBe(200);
  document = response.json();
});

afterAll(async () => {
  await app.close();
});

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect([document.openapi, document.info.title]).toEqual(["3.1.0", "Kruispunt example"]);
    expect(Object.keys(document.components.securitySchemes)).toEqual(["bearer"]);
  });

  it("lists every route (with or without a schema) but not itself", () => {
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual([
      "GET /health/live",
      "GET /health/ready",
      "GET /healthz",
      "GET /metrics",
      "GET /readyz",
      "GET /v1/things/{thing}",
      "POST /v1/things",
    ]);
  });

  it("carries the route's description and parameters from its schema", () => {
    const operation = document.paths["/v1/things/{thing}"]?.get;
    expect(operation?.description).toBe("One thing by name.");
    expect(operation?.parameters).toEqual([
      {
        in: "path",
        name: "thing",
        required: true,
        description: "the thing's name",
        schema: { type: "string" },
      },
    ]);
  });
});
