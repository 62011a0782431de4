/**
 * The auditors' web console: a static page (services/audit/console/) that calls the
 * audit API with the bearer token the auditor pastes in (kept in sessionStorage).
 * The files hold no data, so they are served without a token; every API call needs one.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply } from "fastify";

const dir = new URL("../console/", import.meta.url);

/** The console's files: URL path → [file name, content type]. */
const FILES: Record<string, [string, string]> = {
  "/console": ["index.html", "text/html; charset=utf-8"],
  "/console/console.js": ["console.js", "text/javascript; charset=utf-8"],
  "/console/console.css": ["console.css", "text/css; charset=utf-8"],
  "/console/favicon.svg": ["favicon.svg", "image/svg+xml"],
};

/**
 * Content-Security-Policy of the console: scripts and styles only from these files
 * (no inline script, no inline style, no eval), API calls only to this origin.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function secure(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .type(type)
    .header("content-security-policy", CONSOLE_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY")
    .header("cache-control", "no-store");
}

/**
 * Registers `GET /console` (the page), `GET /console/console.js`,
 * `GET /console/console.css` and `GET /console/favicon.svg`, read once at start-up, each with CONSOLE_CSP and
 * nosniff/no-referrer/DENY headers; `GET /console/` redirects to `/console`.
 * Throws (at start-up) if a file is missing.
 */
export function registerConsole(app: FastifyInstance): void {
  for (const [path, [name, type]] of Object.entries(FILES)) {
    const body = readFileSync(new URL(name, dir));
    app.get(path, async (_request, reply) => secure(reply, type).send(body));
  }
  app.get("/console/", async (_request, reply) => reply.redirect("/console", 301));
}
