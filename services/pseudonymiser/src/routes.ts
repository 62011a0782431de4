/**
 * The pseudonymiser's service endpoints (role `service` only: whoever calls them
 * learns identifier → pseudonym pairs, so only Kruispunt's own services may).
 */

import { rekeyToCurrent, versionedLinkagePseudonym } from "@kruispunt/crypto";
import { getScheme, schemeNames } from "@kruispunt/identifiers";
import { type AuditTrail, KrpError } from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { PseudonymiserKeys } from "./pseudonymise";

const MAX_BATCH = 10_000;

const pseudonymiseBody = z.object({
  scheme: z.enum(schemeNames as [string, ...string[]]),
  identifiers: z.array(z.string()).min(1).max(MAX_BATCH),
});
const rekeyBody = z.object({
  fromVersion: z.number().int().min(1),
  pseudonyms: z
    .array(z.string().regex(/^[0-9a-f]{64}$/))
    .min(1)
    .max(MAX_BATCH),
});

function badRequest(error: z.ZodError): KrpError {
  // Issues name paths and rules; zod does not echo the values.
  return new KrpError("KRP_ERR_BAD_REQUEST", "invalid request body", {
    issues: error.issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message })),
  });
}

/**
 * - `POST /v1/pseudonymise` `{scheme, identifiers: string[≤10000]}` →
 *   `{keyVersion, keyId, results: ({pseudonym} | {error: {code, message}})[]}`, one result
 *   per identifier in order; an invalid identifier gets its refusal code, the rest go on.
 * - `POST /v1/rekey` `{fromVersion, pseudonyms: hex64[≤10000]}` → `{keyVersion, keyId, pseudonyms}`:
 *   the same pseudonyms moved to the current key version (rotation, see packages/crypto).
 *   409 if fromVersion is newer than the current version.
 */
export function registerRoutes(
  app: FastifyInstance,
  keys: PseudonymiserKeys,
  audit: AuditTrail,
): void {
  app.post("/v1/pseudonymise", { preHandler: app.authorize("service") }, async (request) => {
    const parsed = pseudonymiseBody.safeParse(request.body);
    if (!parsed.success) throw badRequest(parsed.error);
    const scheme = getScheme(parsed.data.scheme);
    let refused = 0;
    const results = parsed.data.identifiers.map((raw) => {
      const v = scheme.validate(raw);
      if (!v.ok) {
        refused += 1;
        return { error: v.refusal };
      }
      return {
        pseudonym: versionedLinkagePseudonym(
          keys.ring,
          scheme.name,
          v.canonical,
          keys.linkageKeyVersion,
        ).pseudonym,
      };
    });
    await audit.record({
      actor: request.user.sub,
      role: "service",
      action: "pseudonymise.request",
      object: `scheme:${scheme.name}`,
      counts: { identifiers: results.length, refused },
      details: { keyVersion: keys.linkageKeyVersion, keyId: keys.keyId },
    });
    return { keyVersion: keys.linkageKeyVersion, keyId: keys.keyId, results };
  });

  app.post("/v1/rekey", { preHandler: app.authorize("service") }, async (request) => {
    const parsed = rekeyBody.safeParse(request.body);
    if (!parsed.success) throw badRequest(parsed.error);
    const { fromVersion, pseudonyms } = parsed.data;
    if (fromVersion > keys.linkageKeyVersion) {
      throw new KrpError(
        "KRP_ERR_CONFLICT",
        `fromVersion ${fromVersion} is newer than the current key version ${keys.linkageKeyVersion}`,
        { field: "fromVersion", fromVersion, currentVersion: keys.linkageKeyVersion },
      );
    }
    const out = pseudonyms.map((p) => rekeyToCurrent(keys.ring, p, fromVersion));
    await audit.record({
      actor: request.user.sub,
      role: "service",
      action: "pseudonymise.rekey",
      object: `linkage-key:v${fromVersion}->v${keys.linkageKeyVersion}`,
      counts: { pseudonyms: out.length },
      details: { keyId: keys.keyId },
    });
    return { keyVersion: keys.linkageKeyVersion, keyId: keys.keyId, pseudonyms: out };
  });
}
