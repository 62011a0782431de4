/**
 * Blind mode end to end (issue 10) over real Kafka and PostgreSQL: both agencies register
 * blind-mode contracts for FEBRL 4 persons 0–499, so identifiers are ElGamal-encrypted at
 * intake, reshuffled by the pseudonymiser and decrypted + keyed only by the linker. The
 * linkage must equal keyed mode's exactly, and a leak scan shows that the pseudonymiser
 * saw neither identifiers nor pseudonyms.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { febrlSubmission, publishCsv, type Summary } from "@kruispunt/cli";
import { REPO_ROOT } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, KAFKA_BROKERS, startHarness, waitForLinks } from "./harness";
import { findIdentifiers, kafkaTopicDirs, scanFiles, submittedIdentifiers } from "./privacy-scan";

let harness: Harness;
let summary: Summary;
// Services inherit this process's environment: with this flag each writes a heap
// snapshot here on SIGUSR2, so the pseudonymiser's memory can be scanned too.
const HEAP_DIR = join(REPO_ROOT, "out", "e2e_blind-heap");

beforeAll(async () => {
  rmSync(HEAP_DIR, { recursive: true, force: true });
  mkdirSync(HEAP_DIR, { recursive: true });
  const before = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${before ?? ""} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${HEAP_DIR}`;
  try {
    harness = await startHarness("e2e_blind", 13_000, 500, "blind");
  } finally {
    if (before === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = before;
  }
  summary = harness.summary;
});

/** Asks the pseudonymiser for a heap snapshot and returns its text once fully written. */
async function pseudonymiserHeapSnapshot(): Promise<string> {
  harness.services.processes.get("pseudonymiser")?.kill("SIGUSR2");
  let last = -1;
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const file = readdirSync(HEAP_DIR).find((f) => f.endsWith(".heapsnapshot"));
    if (!file) continue;
    const size = statSync(join(HEAP_DIR, file)).size;
    if (size > 0 && size === last) {
      const text = readFileSync(join(HEAP_DIR, file), "latin1");
      // Only the strings table: the node and edge arrays are millions of bare numbers,
      // where 7-digit values that equal some soc_sec_id occur by chance.
      return text.slice(text.lastIndexOf('"strings":['));
    }
    last = size;
  }
  throw new Error("the pseudonymiser wrote no heap snapshot");
}

afterAll(async () => {
  await harness?.stop();
});

/** The run's own Kafka partition directories for `topic` (all topics if omitted), from the broker's log.dirs. */
function topicDirs(topic?: string): Promise<string[]> {
  return kafkaTopicDirs(KAFKA_BROKERS, topic ? `${harness.namespace}${topic}-` : harness.namespace);
}

describe("blind mode on FEBRL 4 persons 0–499", () => {
  it("accepts every record of both agencies", () => {
    expect(summary.agencies).toEqual({
      alpha: { submitted: 500, accepted: 500, rejected: 0 },
      beta: { submitted: 500, accepted: 500, rejected: 0 },
    });
  });

  it("links exactly as keyed mode does on pseudonyms alone: tp 459, fp 0, fn 41", () => {
    // Blind-mode records carry no quasi-identifiers (no PPRL encoding): exact linkage only.
    expect(summary.linkage.linked_pairs).toBe(459);
    expect(summary.linkage.by_method).toEqual({ exact: 459 });
    expect(summary.linkage.truth).toEqual({
      tp: 459,
      fp: 0,
      fn: 41,
      precision: 1,
      recall: 0.918,
      f1: 0.9572,
      review: 0,
    });
    expect(summary.audit.verified).toBe(true);
  });

  it("stores blind pseudonyms only, under a blind key id", async () => {
    const { rows } = await harness.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT key_id)::int AS ids,
              bool_and(key_id LIKE 'blind-%') AS blind, bool_and(linkage_pseudonym ~ '^[0-9a-f]{64}$') AS hex
       FROM linker.records`,
    );
    expect(rows[0]).toEqual({ n: 1000, ids: 1, blind: true, hex: true });
    const state = await harness.pool.query("SELECT key_version, key_id FROM linker.key_state");
    expect(state.rows[0].key_version).toBe(1);
    expect(state.rows[0].key_id).toMatch(/^blind-[0-9a-f]{16}$/);
  });
});

describe("leak scan: the pseudonymiser sees neither identifiers nor pseudonyms", () => {
  const identifiers = submittedIdentifiers([
    febrlSubmission(join(FEBRL_DIR, "dataset4a.csv"), 500).csv,
    febrlSubmission(join(FEBRL_DIR, "dataset4b.csv"), 500).csv,
  ]);

  it("no raw soc_sec_id in the pseudonymiser's log or in any of the run's topics", async () => {
    expect(identifiers.size).toBe(1000 - 459);
    const dirs = await topicDirs();
    expect((await topicDirs("records.intake")).length).toBeGreaterThanOrEqual(1);
    expect((await topicDirs("records.pseudonymised")).length).toBeGreaterThanOrEqual(1);
    const log = join(harness.dataDir, "logs", "pseudonymiser.log");
    expect(findIdentifiers(readFileSync(log, "utf8"), identifiers, log)).toEqual([]);
    expect(scanFiles(dirs, identifiers)).toEqual([]);
  });

  it("no raw soc_sec_id and no linkage pseudonym in the pseudonymiser's heap", async () => {
    const heap = await pseudonymiserHeapSnapshot();
    // Control: the snapshot holds the service's strings (its own topic names).
    expect(heap).toContain("records.pseudonymised");
    expect(findIdentifiers(heap, identifiers, "pseudonymiser heap")).toEqual([]);
    const { rows } = await harness.pool.query<{ p: string }>(
      "SELECT DISTINCT linkage_pseudonym AS p FROM linker.records",
    );
    expect(rows.filter((r) => heap.includes(r.p))).toEqual([]);
  });

  it("no linkage pseudonym in the pseudonymiser's input or output topics, nor its log", async () => {
    const { rows } = await harness.pool.query<{ p: string }>(
      "SELECT DISTINCT linkage_pseudonym AS p FROM linker.records",
    );
    const pseudonyms = rows.map((r) => r.p);
    expect(pseudonyms).toHaveLength(1000 - 459);
    const texts = [
      ...(await topicDirs("records.intake")),
      ...(await topicDirs("records.pseudonymised")),
    ].flatMap((dir) => readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString("latin1")));
    texts.push(readFileSync(join(harness.dataDir, "logs", "pseudonymiser.log"), "utf8"));
    // Control: the pseudonymised topic does carry the records (as reshuffled ciphertexts).
    expect(texts.join("").length).toBeGreaterThan(100_000);
    const leaked = pseudonyms.filter((p) => texts.some((t) => t.includes(p)));
    expect(leaked).toEqual([]);
    // Control: the same search finds them downstream of the linker (linkage.events).
    const downstream = (await topicDirs("linkage.events"))
      .flatMap((dir) => readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString("latin1")))
      .join("");
    expect(pseudonyms.filter((p) => downstream.includes(p))).toHaveLength(pseudonyms.length);
  });
});

describe("an agency producing straight to Kafka on a blind-mode dataset", () => {
  it("encrypts at the source with the linker's key and links every record of a copy of alpha's file", async () => {
    const gamma = { sub: "gamma", role: "agency" as const };
    const { contract } = await harness.client.request<{ contract: { mode: string } }>(
      "intake",
      "GET",
      "/v1/datasets/persons",
      { sub: "alpha", role: "agency" },
    );
    expect(contract.mode).toBe("blind");
    await harness.client.request("intake", "PUT", "/v1/datasets/persons", gamma, contract);
    const verdict = await publishCsv({
      client: harness.client,
      agency: "gamma",
      dataset: "persons",
      body: Readable.from([febrlSubmission(join(FEBRL_DIR, "dataset4a.csv"), 500).csv]),
      kafkaBrokers: KAFKA_BROKERS,
      kafkaNamespace: harness.namespace,
    });
    expect(verdict).toMatchObject({ submitted: 500, accepted: 500, refused: 0 });
    const pairs = await waitForLinks(harness, "alpha/persons", "gamma/persons", 500);
    expect(pairs).toHaveLength(500);
    expect(pairs.every((p) => p.left === p.right)).toBe(true);
  });
});
