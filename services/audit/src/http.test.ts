/**
 * The audit service's HTTP surface without a database: the console's files and
 * headers, authentication, and 400 answers that name the field. (Everything that
 * reads the chain is tested end to end in test/audit-*.test.ts.)
 */
import { createLogger, createMetrics } from "@kruispunt/observability";
import { buildServiceApp } from "@kruispunt/service-kit";
import type { Pool } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP, registerConsole } from "./console";
import { registerLinkageLog } from "./linkage-log";
import { registerAuditRoutes } from "./routes";

let app: FastifyInstance;
let auditor: string;
let researcher: string;
const noDatabase = {
  query: async () => {
    throw new Error("no database in this test");
  },
} as unknown as Pool;

beforeAll(async () => {
  app = buildServiceApp({
    name: "audit",
    logger: createLogger("audit", "silent"),
    metrics: createMetrics("audit"),
    jwtSecret: "test-secret-test-secret-test-secret",
  });
  const keys = { publicKey: new Uint8Array(32), secretKey: new Uint8Array(64), version: 1 };
  registerAuditRoutes(app, { pool: noDatabase, signing: keys });
  registerLinkageLog(app, noDatabase);
  registerConsole(app);
  await app.ready();
  auditor = app.jwt.sign({ sub: "a", role: "auditor" });
  researcher = app.jwt.sign({ sub: "r", role: "researcher" });
});

afterAll(async () => {
  await app.close();
});

const get = (url: string, token?: string) =>
  app.inject({ method: "GET", url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("console files", () => {
  it("serves the page, script, style and icon with the CSP and no-sniff headers", async () => {
    const types = {
      "/console": "text/html; charset=utf-8",
      "/console/console.js": "text/javascript; charset=utf-8",
      "/console/console.css": "text/css; charset=utf-8",
      "/console/favicon.svg": "image/svg+xml",
    };
    for (const [url, type] of Object.entries(types)) {
      const r = await get(url);
      expect([url, r.statusCode, r.headers["content-type"]]).toEqual([url, 200, type]);
      expect(r.headers["content-security-policy"]).toBe(CONSOLE_CSP);
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expect(r.headers["x-frame-options"]).toBe("DENY");
    }
    expect(CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    const html = (await get("/console")).body;
    expect(html).toContain('<script src="/console/console.js" defer></script>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|\sstyle=|\son[a-z]+=/);
    const js = (await get("/console/console.js")).body;
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function/);
    expect((await get("/console/")).statusCode).toBe(301);
  });
});

describe("auditor API without a database", () => {
  it("answers 401 without a token and 403 for another role", async () => {
    for (const url of ["/v1/audit/entries", "/v1/audit/verify", "/v1/audit/linkage-log"]) {
      expect((await get(url)).statusCode).toBe(401);
      expect((await get(url, researcher)).statusCode).toBe(403);
    }
  });

  it("answers 400 naming the field", async () => {
    const cases: [string, string][] = [
      ["/v1/audit/entries?limit=0", "limit: Too small: expected number to be >=1"],
      ["/v1/audit/entries?afterSeq=x", "afterSeq: Invalid input: expected number, received NaN"],
      ["/v1/audit/entries/0", "seq: Too small: expected number to be >=1"],
      ["/v1/audit/verify?fromSeq=3&toSeq=2", "toSeq: must not be below fromSeq"],
      [
        "/v1/audit/linkage-log?linkagePseudonym=abc",
        "linkagePseudonym: a linkage pseudonym: 64 lowercase hex characters",
      ],
      [
        `/v1/audit/linkage-log?linkagePseudonym=${"a".repeat(64)}&extractId=1`,
        "extractId.0: an extract id (UUID)",
      ],
    ];
    for (const [url, message] of cases) {
      const r = await get(url, auditor);
      expect([url, r.statusCode, r.json()]).toEqual([
        url,
        400,
        { code: "KRP_ERR_BAD_REQUEST", message, details: { issues: [expect.any(Object)] } },
      ]);
    }
  });
});
