/**
 * Pseudonymiser: the only holder of the linkage key. It consumes records.intake,
 * publishes records.pseudonymised, and audits every batch it pseudonymised.
 */
import { TOPICS } from "@kruispunt/bus";
import { cryptoReady, currentKey, keyringFingerprint, readKeyring } from "@kruispunt/crypto";
import {
  buildServiceApp,
  databaseReady,
  derivedEventId,
  keyFiles,
  type ServiceContext,
} from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { type PseudonymiserKeys, pseudonymiseBatch } from "./pseudonymise";

/** Reads the pseudonymiser keyring (linkage key + seal key pair). Throws if missing or too open. */
export function loadKeys(keysDir: string): PseudonymiserKeys {
  const ring = readKeyring(keyFiles(keysDir).pseudonymiserKeyring);
  const linkage = currentKey(ring, "linkage");
  const seal = currentKey(ring, "seal");
  return {
    linkageKey: linkage.key,
    linkageKeyVersion: linkage.version,
    keyringFingerprint: keyringFingerprint(ring),
    sealPublicKey: seal.publicKey,
    sealSecretKey: seal.secretKey,
  };
}

/**
 * Builds the app (health, metrics) and starts the records.intake consumer.
 * HTTP: `GET /v1/keys` (any authenticated role) → `{keyVersion, keyringFingerprint}`,
 * the public facts about the key in use.
 */
export async function buildApp(ctx: ServiceContext): Promise<FastifyInstance> {
  await cryptoReady();
  const keys = loadKeys(ctx.config.keysDir);
  const app = buildServiceApp({
    name: "pseudonymiser",
    logger: ctx.logger,
    metrics: ctx.metrics,
    jwtSecret: ctx.jwtSecret,
    ready: databaseReady(ctx.pool),
  });

  app.get("/v1/keys", { preHandler: app.authorize("agency", "auditor", "service") }, async () => ({
    keyVersion: keys.linkageKeyVersion,
    keyringFingerprint: keys.keyringFingerprint,
  }));

  await ctx.bus.consume({
    groupId: "pseudonymiser",
    topic: TOPICS.intake,
    handleBatch: async (messages) => {
      const timer = ctx.metrics.batchSeconds.startTimer({ topic: TOPICS.intake });
      const outcome = pseudonymiseBatch(messages, keys);
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
      for (const [, c] of outcome.counts) {
        ctx.metrics.records.inc(
          { stage: "pseudonymise", outcome: "pseudonymised" },
          c.pseudonymised,
        );
        ctx.metrics.records.inc({ stage: "pseudonymise", outcome: "refused" }, c.refused);
      }
      timer();
    },
  });
  return app;
}
