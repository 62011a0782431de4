/**
 * Pseudonymiser: the only holder of the linkage key. It consumes records.intake,
 * publishes records.pseudonymised, and audits every batch it pseudonymised.
 */
import { blindReady, readPseudonymiserBlindKeys } from "@kruispunt/blind";
import { TOPICS } from "@kruispunt/bus";
import { BatchOpener, cryptoReady } from "@kruispunt/crypto";
import {
  buildServiceApp,
  derivedEventId,
  type ServiceContext,
  serviceAppOptions,
} from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { loadKeys } from "./keys";
import { pseudonymiseBatch } from "./pseudonymise";
import { registerRoutes } from "./routes";

/**
 * Builds the app (health, metrics) and starts the records.intake consumer.
 * HTTP: `GET /v1/keys` (agency, auditor, service) → `{keyVersion, keyId, keyringFingerprint, sealPublicKey}`,
 * the public facts about the key in use; the service endpoints in routes.ts.
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await cryptoReady();
  await blindReady();
  const keys = loadKeys(ctx.config.keysDir);
  // Blind mode's reshuffle scalar k; null if the deployment has no blind keys.
  const blind = readPseudonymiserBlindKeys(ctx.config.keysDir);
  const opener = new BatchOpener(keys.sealPublicKey, keys.sealSecretKey);
  const app = buildServiceApp(serviceAppOptions(ctx));

  registerRoutes(app, keys, ctx.audit);
  app.get("/v1/keys", { preHandler: app.authorize("agency", "auditor", "service") }, async () => ({
    keyVersion: keys.linkageKeyVersion,
    keyId: keys.keyId,
    keyringFingerprint: keys.keyringFingerprint,
    /** X25519 public key (hex) agencies seal identifiers to before producing to Kafka. */
    sealPublicKey: Buffer.from(keys.sealPublicKey).toString("hex"),
  }));

  await ctx.bus.consume({
    groupId: "pseudonymiser",
    topic: TOPICS.intake,
    handleBatch: async (messages) => {
      const timer = ctx.metrics.batchSeconds.startTimer({ topic: TOPICS.intake });
      const outcome = pseudonymiseBatch(messages, keys, opener, blind);
      await ctx.bus.publish(TOPICS.pseudonymised, outcome.pseudonymised);
      await ctx.bus.publish(
        TOPICS.deadLetter,
        outcome.deadLetters.map((d) => ({
          key: `${d.agency}/${d.dataset}`,
          value: Buffer.from(JSON.stringify(d)),
        })),
      );
      await ctx.audit.record(
        ...[...outcome.counts].map(([object, counts]) => ({
          eventId: derivedEventId(
            "pseudonymise.batch",
            TOPICS.intake,
            messages[0]?.partition ?? 0,
            messages[0]?.offset ?? "",
            object,
          ),
          actor: "pseudonymiser",
          role: "service",
          action: "pseudonymise.batch",
          object,
          counts,
          details: {
            keyVersion: keys.linkageKeyVersion,
            keyringFingerprint: keys.keyringFingerprint,
          },
        })),
      );
      ctx.metrics.recordsOut.inc({ stage: "pseudonymiser" }, outcome.pseudonymised.length);
      for (const d of outcome.deadLetters)
        ctx.metrics.recordsRefused.inc({ stage: "pseudonymiser", reason: d.code });
      for (const [, c] of outcome.counts) {
        ctx.metrics.records.inc(
          { stage: "pseudonymise", outcome: "pseudonymised" },
          c.pseudonymised,
        );
        ctx.metrics.records.inc({ stage: "pseudonymise", outcome: "refused" }, c.refused);
        // Of the pseudonymised, those under a record pseudonym (no identifier).
        ctx.metrics.records.inc(
          { stage: "pseudonymise", outcome: "no_identifier" },
          c.noIdentifier,
        );
      }
      timer();
    },
  });
  return app;
}
