/**
 * Blind mode end to end (issue 10) over real Kafka and PostgreSQL: both agencies register
 * blind-mode contracts for FEBRL 4 persons 0–499, so identifiers are ElGamal-encrypted at
 * intake, reshuffled by the pseudonymiser and decrypted + keyed only by the linker. The
 * linkage must equal keyed mode's exactly, and a leak scan shows that the pseudonymiser
 * saw neither identifiers nor pseudonyms.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { febrlSubmission, type Summary } from "@kruispunt/cli";
import { REPO_ROOT } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, startHarness } from "./harness";
import { findIdentifiers, scanFiles } from "./privacy-scan";

let harness: Harness;
let summary: Summary;

beforeAll(async () => {
  harness = await startHarness("e2e_blind", 33_000, 500, "blind");
  summary = harness.summary;
});

afterAll(async () => {
  await harness?.stop();
});

/** The run's own Kafka partition directories for `topic` (all topics if omitted). */
function topicDirs(topic?: string): string[] {
  const root = join(REPO_ROOT, ".data", "kafka", "kraft-logs");
  return readdirSync(root)
    .filter(
      (d) =>
        d.startsWith(harness.namespace) &&
        (!topic || d.startsWith(`${harness.namespace}${topic}-`)),
    )
    .map((d) => join(root, d));
}

describe("blind mode on FEBRL 4 persons 0–499", () => {
  it("accepts every record of both agencies", () => {
    expect(summary.agencies).toEqual({
      alpha: { submitted: 500, accepted: 500, rejected: 0 },
      beta: { submitted: 500, accepted: 500, rejected: 0 },
    });
  });

  it("links exactly as keyed mode: tp 459, fp 0, fn 41", () => {
    expect(summary.linkage.linked_pairs).toBe(459);
    expect(summary.linkage.truth).toEqual({
      tp: 459,
      fp: 0,
      fn: 41,
      precision: 1,
      recall: 0.918,
      f1: 0.9572,
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
  const identifiers = new Set(
    [
      febrlSubmission(join(FEBRL_DIR, "dataset4a.csv"), 500),
      febrlSubmission(join(FEBRL_DIR, "dataset4b.csv"), 500),
    ].flatMap((s) =>
      s.csv
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(",").at(-1) ?? ""),
    ),
  );

  it("no raw soc_sec_id in the pseudonymiser's log or in any of the run's topics", () => {
    expect(identifiers.size).toBe(1000 - 459);
    const dirs = topicDirs();
    expect(topicDirs("records.intake").length).toBeGreaterThanOrEqual(1);
    expect(topicDirs("records.pseudonymised").length).toBeGreaterThanOrEqual(1);
    const log = join(harness.dataDir, "logs", "pseudonymiser.log");
    expect(findIdentifiers(readFileSync(log, "utf8"), identifiers, log)).toEqual([]);
    expect(scanFiles(dirs, identifiers)).toEqual([]);
  });

  it("no linkage pseudonym in the pseudonymiser's input or output topics, nor its log", async () => {
    const { rows } = await harness.pool.query<{ p: string }>(
      "SELECT DISTINCT linkage_pseudonym AS p FROM linker.records",
    );
    const pseudonyms = rows.map((r) => r.p);
    expect(pseudonyms).toHaveLength(1000 - 459);
    const texts = [...topicDirs("records.intake"), ...topicDirs("records.pseudonymised")].flatMap(
      (dir) => readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString("latin1")),
    );
    texts.push(readFileSync(join(harness.dataDir, "logs", "pseudonymiser.log"), "utf8"));
    // Control: the pseudonymised topic does carry the records (as reshuffled ciphertexts).
    expect(texts.join("").length).toBeGreaterThan(100_000);
    const leaked = pseudonyms.filter((p) => texts.some((t) => t.includes(p)));
    expect(leaked).toEqual([]);
    // Control: the same search finds them downstream of the linker (linkage.events).
    const downstream = topicDirs("linkage.events")
      .flatMap((dir) => readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString("latin1")))
      .join("");
    expect(pseudonyms.filter((p) => downstream.includes(p))).toHaveLength(pseudonyms.length);
  });
});
