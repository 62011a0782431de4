/**
 * Kafka intake end to end over real Kafka and PostgreSQL: an agency produces sealed
 * records to intake.<agency>; intake forwards the valid ones (which then link) and
 * answers every record on intake.<agency>.verdicts, refusing records that name
 * another agency, an unregistered dataset, an unsealed identifier, an unreadable
 * message or a value the contract forbids — with the same codes as HTTP uploads.
 */
import { join } from "node:path";
import { Readable } from "node:stream";
import { collectVerdicts, kafkaIntakePublisher, processUpload } from "@kruispunt/agency-client";
import { agencyTopics, type Bus } from "@kruispunt/bus";
import { febrlSubmission } from "@kruispunt/cli";
import { contractSchema, encodeEvent, type IntakeVerdict } from "@kruispunt/contracts";
import { cryptoReady } from "@kruispunt/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FEBRL_DIR,
  type Harness,
  KAFKA_BROKERS,
  stackBus,
  startHarness,
  waitForLinks,
} from "./harness";
import { findIdentifiers, kafkaTopicDirs, scanFiles, submittedIdentifiers } from "./privacy-scan";

let harness: Harness;
let bus: Bus;
const delta = { sub: "delta", role: "agency" as const };
const alpha = { sub: "alpha", role: "agency" as const };

beforeAll(async () => {
  harness = await startHarness("e2e_intakescale", 16_000, 50);
  bus = await stackBus(harness, "e2e-delta");
  await cryptoReady();
});

afterAll(async () => {
  await bus?.close();
  await harness?.stop();
});

describe("Kafka intake on intake.<agency>", () => {
  it("forwards valid records, refuses the others, and says so per record on intake.delta.verdicts", async () => {
    const { contract } = await harness.client.request<{ contract: unknown }>(
      "intake",
      "GET",
      "/v1/datasets/persons",
      alpha,
    );
    // Registering creates intake.delta and intake.delta.verdicts.
    await harness.client.request("intake", "PUT", "/v1/datasets/persons", delta, contract);
    const parsed = contractSchema.parse(contract);
    const { sealPublicKey } = await harness.client.request<{ sealPublicKey: string }>(
      "pseudonymiser",
      "GET",
      "/v1/keys",
      delta,
    );
    const uploadId = "0b9c2f6e-3c1f-4f6e-9d59-5a0b7a2d4e01";
    const csv = febrlSubmission(join(FEBRL_DIR, "dataset4a.csv"), 50).csv;
    const publish = kafkaIntakePublisher(bus, "delta");
    const upload = (agency: string, body: string, send = publish) =>
      processUpload({
        agency,
        dataset: "persons",
        uploadId,
        contract: parsed,
        body: Readable.from([body]),
        sealPublicKey: Buffer.from(sealPublicKey, "hex"),
        publish: send,
      });
    // 50 valid records, as `kruispunt agency publish` sends them.
    const local = await upload("delta", csv);
    expect([local.accepted, local.refused]).toEqual([50, 0]);
    // One record claiming to be alpha's, sent into delta's topic.
    const [header, firstRow] = csv.split(/\r?\n/);
    await upload("alpha", `${header}\n${firstRow}\n`);
    // Hand-made records an honest client would not send.
    const base = {
      agency: "delta",
      dataset: "persons",
      version: 1,
      scheme: parsed.identifier.scheme,
      sealedIdentifier: "",
      batchSealed: { sealedKey: "AA", nonce: "AA", ciphertext: "AA" },
      variables: {},
      uploadId,
      withdrawn: false,
    };
    await publish([
      {
        key: "k1",
        value: encodeEvent("SourceRecord", {
          ...base,
          sourceRecordId: "x-unsealed",
          batchSealed: null,
        }),
      },
      {
        key: "k2",
        value: encodeEvent("SourceRecord", {
          ...base,
          sourceRecordId: "x-dataset",
          dataset: "nope",
        }),
      },
      {
        key: "k3",
        value: encodeEvent("SourceRecord", {
          ...base,
          sourceRecordId: "x-long",
          variables: { state: "x".repeat(1001) },
        }),
      },
      { key: "k4", value: encodeEvent("SourceRecord", { ...base, sourceRecordId: "" }) },
      {
        key: "k5",
        value: encodeEvent("SourceRecord", {
          ...base,
          sourceRecordId: "x-scheme",
          scheme: "be-insz",
        }),
      },
    ]);

    const verdicts = await collectVerdicts(bus, { agency: "delta", uploadId, expected: 56 });
    const refused = verdicts
      .filter((v) => !v.accepted)
      .map((v: IntakeVerdict) => [v.sourceRecordId, v.field, v.code])
      .sort();
    const firstId = firstRow?.split(",")[0];
    expect(refused).toEqual([
      ["", "record_id", "KRP_ERR_MISSING_RECORD_ID"],
      [firstId, "agency", "KRP_ERR_AGENCY_MISMATCH"],
      ["x-dataset", "dataset", "KRP_ERR_UNKNOWN_DATASET"],
      ["x-long", "state", "KRP_ERR_VALUE_TOO_LONG"],
      ["x-scheme", "soc_sec_id", "KRP_ERR_WRONG_SCHEME"],
      ["x-unsealed", "soc_sec_id", "KRP_ERR_NOT_SEALED"],
    ]);
    expect(verdicts.filter((v) => v.accepted)).toHaveLength(50);
    expect(verdicts.every((v) => v.agency === "delta")).toBe(true);
  });

  it("links delta's 50 accepted records to alpha's", async () => {
    const pairs = await waitForLinks(harness, "alpha/persons", "delta/persons", 50);
    expect(pairs).toHaveLength(50);
    expect(pairs.every((p) => p.left === p.right)).toBe(true);
  });

  it("answers an unreadable message with KRP_ERR_MALFORMED_EVENT at its offset", async () => {
    const topic = agencyTopics("delta");
    await bus.publish(topic.intake, [{ key: "junk", value: new Uint8Array([0xff, 0xff, 0xff]) }]);
    // Its verdict has no upload id: collect those of upload "".
    const [verdict] = await collectVerdicts(bus, { agency: "delta", uploadId: "", expected: 1 });
    expect(verdict).toMatchObject({ accepted: false, field: "", code: "KRP_ERR_MALFORMED_EVENT" });
  });

  it("keeps soc_sec_id out of every topic of the run, delta's intake and verdict topics included", async () => {
    const csv = febrlSubmission(join(FEBRL_DIR, "dataset4a.csv"), 50).csv;
    const identifiers = submittedIdentifiers([csv]);
    expect(findIdentifiers(csv, identifiers, "control")).toHaveLength(50);
    const dirs = await kafkaTopicDirs(KAFKA_BROKERS, harness.namespace);
    // 4 partitions each of intake.delta and intake.delta.verdicts.
    expect(dirs.filter((d) => d.includes("intake.delta")).length).toBe(8);
    expect(scanFiles(dirs, identifiers)).toEqual([]);
  });
});
