/**
 * Bearer tokens (JWT, RFC 7519, HS256) carrying the caller's persona. In a real
 * deployment an identity provider issues them (e.g. the federal FAS / CSAM login);
 * locally the CLI signs them with the shared secret in the keys directory.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createSigner } from "fast-jwt";
import { z } from "zod";

/**
 * The personas Kruispunt serves, plus "service" for service-to-service calls.
 * "reviewer": a clerical reviewer who resolves the linker's review queue (issue 5).
 */
export const ROLES = [
  "agency",
  "researcher",
  "committee",
  "auditor",
  "reviewer",
  "service",
] as const;
export type Role = (typeof ROLES)[number];

/**
 * Claims every token carries: `sub` names the agency, researcher or auditor. An
 * agency token may carry `datasets`: then it may touch only those of its datasets.
 */
export const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  role: z.enum(ROLES),
  datasets: z.array(z.string().max(64)).max(1000).optional(),
});
export type Claims = z.infer<typeof claimsSchema>;

/**
 * Reads the HS256 secret at `path`, creating 32 random bytes (hex, mode 0600)
 * if it does not exist yet.
 */
export function readOrCreateJwtSecret(path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    chmodSync(path, 0o600);
  }
  return readFileSync(path, "utf8").trim();
}

/** Signs a token for `claims`, valid for `ttlSeconds` (default one hour). */
export function issueToken(secret: string, claims: Claims, ttlSeconds = 3600): string {
  const sign = createSigner({ key: secret, algorithm: "HS256", expiresIn: ttlSeconds * 1000 });
  return sign(claimsSchema.parse(claims));
}
