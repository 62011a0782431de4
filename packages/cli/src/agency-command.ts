/**
 * `kruispunt agency publish`: an agency that produces straight to Kafka instead of
 * uploading over HTTPS, to its own topic `intake.<agency>`. Identifiers are validated
 * and sealed on the agency's side (crypto_box_seal to the pseudonymiser's public key,
 * fetched from its /v1/keys), so the raw identifier never reaches Kafka; records
 * refused there get local verdicts, the others intake's verdicts from
 * `intake.<agency>.verdicts`. For a blind-mode dataset identifiers are
 * ElGamal-encrypted to the linker's public key (its /v1/keys) instead.
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import {
  collectVerdicts,
  kafkaIntakePublisher,
  processUpload,
  type UploadVerdict,
} from "@kruispunt/agency-client";
import { agencyTopicSpecs, Bus } from "@kruispunt/bus";
import { contractSchema } from "@kruispunt/contracts";
import { cryptoReady } from "@kruispunt/crypto";
import { createLogger } from "@kruispunt/observability";
import type { KruispuntClient } from "./client";
import { ignoredColumnsNote } from "./submit-command";

export interface PublishOptions {
  client: KruispuntClient;
  agency: string;
  dataset: string;
  body: Readable;
  kafkaBrokers: string[];
  kafkaNamespace: string;
}

/**
 * Reads the dataset contract from intake, the seal key from the pseudonymiser,
 * produces the CSV's valid records to `intake.<agency>` (acks from all in-sync
 * replicas) and waits for intake's verdict on each. Resolves with the combined
 * verdict (intake's refusals have line 0: intake sees records, not lines); rejects on
 * an unreadable file (UploadFormatError), if Kafka does not acknowledge, or if the
 * verdicts do not all arrive within two minutes.
 */
export async function publishCsv(options: PublishOptions): Promise<UploadVerdict> {
  await cryptoReady();
  const as = { sub: options.agency, role: "agency" as const };
  const { contract } = await options.client.request<{ contract: unknown }>(
    "intake",
    "GET",
    `/v1/datasets/${options.dataset}`,
    as,
  );
  const { sealPublicKey } = await options.client.request<{ sealPublicKey: string }>(
    "pseudonymiser",
    "GET",
    "/v1/keys",
    as,
  );
  const parsed = contractSchema.parse(contract);
  let elgamalPublicKey: Uint8Array | undefined;
  if (parsed.mode === "blind") {
    const keys = await options.client.request<{ elgamalPublicKey: string | null }>(
      "linker",
      "GET",
      "/v1/keys",
      as,
    );
    if (!keys.elgamalPublicKey) throw new Error("the linker has no blind-mode key (keys init)");
    elgamalPublicKey = Buffer.from(keys.elgamalPublicKey, "hex");
  }
  const bus = await Bus.connect({
    brokers: options.kafkaBrokers,
    clientId: `kruispunt-agency-${options.agency}`,
    logger: createLogger("agency", "warn"),
    namespace: options.kafkaNamespace,
  });
  try {
    // Intake creates the topics when the dataset is registered; this covers a
    // deployment where they were deleted since (auto-creation is off).
    await bus.ensureTopics(agencyTopicSpecs(options.agency));
    const uploadId = randomUUID();
    const local = await processUpload({
      agency: options.agency,
      dataset: options.dataset,
      uploadId,
      contract: parsed,
      body: options.body,
      sealPublicKey: Buffer.from(sealPublicKey, "hex"),
      elgamalPublicKey,
      publish: kafkaIntakePublisher(bus, options.agency),
    });
    const verdicts = await collectVerdicts(bus, {
      agency: options.agency,
      uploadId,
      expected: local.accepted,
    });
    const refusals = verdicts
      .filter((v) => !v.accepted)
      .map((v) => ({
        line: 0,
        sourceRecordId: v.sourceRecordId,
        field: v.field,
        code: v.code,
        message: v.message,
        ...(v.problems.length > 1 ? { problems: v.problems } : {}),
      }));
    return {
      ...local,
      accepted: local.accepted - refusals.length,
      refused: local.refused + refusals.length,
      refusals: [...local.refusals, ...refusals],
    };
  } finally {
    await bus.close();
  }
}

/** Runs `agency publish --agency A --dataset D --file F`; prints the verdict; returns the exit code. */
export async function agencyCommand(
  args: string[],
  client: KruispuntClient,
  kafkaBrokers: string[],
  kafkaNamespace: string,
): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { as: { type: "string" }, dataset: { type: "string" }, file: { type: "string" } },
  });
  if (sub !== "publish" || !values.as || !values.dataset || !values.file) {
    console.error("usage: kruispunt agency publish --as AGENCY --dataset NAME --file FILE.csv");
    return 2;
  }
  const verdict = await publishCsv({
    client,
    agency: values.as,
    dataset: values.dataset,
    body: createReadStream(values.file),
    kafkaBrokers,
    kafkaNamespace,
  });
  for (const r of verdict.refusals) console.log(JSON.stringify(r));
  console.error(
    `${verdict.submitted} submitted, ${verdict.accepted} accepted by intake over Kafka, ${verdict.refused} refused${ignoredColumnsNote(verdict.ignoredColumns)}`,
  );
  return 0;
}
