/**
 * Linkage-key rotation over real Kafka and PostgreSQL (issue 3): after the main job
 * on persons 0–199, the pseudonymiser's keyring gets linkage key version 2 and the
 * pseudonymiser restarts; persons 0–299 are then submitted again. The linker must
 * re-key its store through the pseudonymiser (no identifiers), lose no link, and
 * keep cluster names (so project pseudonyms stay stable).
 */
import { join } from "node:path";
import { runMainJob, type Summary } from "@kruispunt/cli";
import { cryptoReady, readKeyring, rotateLinkageKey, writeKeyring } from "@kruispunt/crypto";
import { keyFiles } from "@kruispunt/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, KAFKA_BROKERS, startHarness } from "./harness";

let harness: Harness;
let before: { clusters: Map<string, string> };
let after: Summary;

async function clustersByRecord(h: Harness): Promise<Map<string, string>> {
  const { rows } = await h.pool.query(
    "SELECT agency || '/' || source_record_id AS ref, cluster_id FROM linker.records",
  );
  return new Map(rows.map((r) => [r.ref, r.cluster_id]));
}

beforeAll(async () => {
  harness = await startHarness("e2e_rotate", 40_000, 200);
  before = { clusters: await clustersByRecord(harness) };
  await cryptoReady();
  const path = keyFiles(join(harness.dataDir, "keys")).pseudonymiserKeyring;
  writeKeyring(path, rotateLinkageKey(readKeyring(path)), { overwrite: true });
  await harness.services.restart("pseudonymiser");
  await harness.client.waitReady(["pseudonymiser"], 60_000);
  after = await runMainJob({
    client: harness.client,
    febrlDir: FEBRL_DIR,
    outDir: join(harness.outDir, "after-rotation"),
    kafkaBrokers: KAFKA_BROKERS,
    kafkaNamespace: harness.namespace,
    limitPairs: 300,
    say: () => {},
  });
});

afterAll(async () => {
  await harness?.stop();
});

describe("linkage-key rotation", () => {
  it("linked persons 0–199 before rotation", () => {
    // 181 = persons N < 200 whose soc_sec_id agrees in both files.
    expect(harness.summary.linkage.truth).toMatchObject({ tp: 181, fp: 0 });
  });

  it("links persons 0–299 after rotation with no link lost", () => {
    // 273 = persons N < 300 whose soc_sec_id agrees in both files.
    expect(after.linkage.truth).toMatchObject({ tp: 273, fp: 0, fn: 27 });
  });

  it("moved every stored pseudonym to key version 2, once", async () => {
    const versions = await harness.pool.query(
      "SELECT key_version, count(*)::int AS n FROM linker.records GROUP BY key_version",
    );
    expect(versions.rows).toEqual([{ key_version: 2, n: 600 }]);
    const state = await harness.pool.query("SELECT key_version FROM linker.key_state");
    expect(state.rows).toEqual([{ key_version: 2 }]);
    const rekeys = await harness.pool.query(
      "SELECT sum((counts->>'pseudonyms')::int)::int AS n FROM audit.entries WHERE action = 'link.rekey'",
    );
    expect(rekeys.rows[0].n).toBe(400);
  });

  it("kept every earlier record in its cluster", async () => {
    const now = await clustersByRecord(harness);
    for (const [ref, cluster] of before.clusters) expect(now.get(ref)).toBe(cluster);
  });
});
