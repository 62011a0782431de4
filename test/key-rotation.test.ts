/**
 * Linkage-key rotation over real Kafka and PostgreSQL (issue 3): after the main job
 * on persons 0–199, the pseudonymiser's keyring gets linkage key version 2 and the
 * pseudonymiser restarts; persons 0–299 are then submitted again. The linker must
 * re-key its store through the pseudonymiser (no identifiers), lose no link, and
 * keep cluster names (so project pseudonyms stay stable).
 */
import { join } from "node:path";
import { febrlSubmission, runMainJob, type Summary } from "@kruispunt/cli";
import { cryptoReady, readKeyring, rotateLinkageKey, writeKeyring } from "@kruispunt/crypto";
import { keyFiles } from "@kruispunt/service-kit";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEBRL_DIR, type Harness, KAFKA_BROKERS, stackBus, startHarness } from "./harness";

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
  harness = await startHarness("e2e_rotate", 17_000, 200);
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
    // All 200 pairs: 181 = persons N < 200 whose soc_sec_id agrees in both files, the other
    // 19 by probabilistic linkage.
    expect(harness.summary.linkage.truth).toMatchObject({ tp: 200, fp: 0, fn: 0 });
    expect(harness.summary.linkage.by_method).toEqual({ exact: 181, pprl: 19 });
  });

  it("links persons 0–299 after rotation with no link lost", () => {
    // 273 = persons N < 300 whose soc_sec_id agrees in both files; the other 27 link by
    // PPRL (persons 200–299 under key version 2's encodings, which compare among themselves).
    expect(after.linkage.truth).toMatchObject({ tp: 300, fp: 0, fn: 0 });
    expect(after.linkage.by_method).toEqual({ exact: 273, pprl: 27 });
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

describe("the pseudonymiser's service endpoints", () => {
  const service = { sub: "e2e", role: "service" as const };

  it("POST /v1/pseudonymise gives the stored pseudonym for an identifier, and a reason for a bad one", async () => {
    const stored = await harness.pool.query(
      "SELECT source_record_id, linkage_pseudonym FROM linker.records WHERE agency = 'alpha' ORDER BY source_record_id::int LIMIT 1",
    );
    // The agency's file, as the demo sent it.
    const rows = parse(febrlSubmission(join(FEBRL_DIR, "dataset4a.csv"), 300).csv, {
      columns: true,
    }) as Record<string, string>[];
    const ssn = rows.find((r) => r.record_id === stored.rows[0].source_record_id)?.soc_sec_id ?? "";
    expect(ssn).toMatch(/^\d{7}$/);
    const answer = await harness.client.request<{
      keyVersion: number;
      results: ({ pseudonym: string } | { error: { code: string } })[];
    }>("pseudonymiser", "POST", "/v1/pseudonymise", service, {
      scheme: "febrl-ssn",
      identifiers: [` ${ssn} `, "53042"],
    });
    expect(answer.keyVersion).toBe(2);
    expect(answer.results).toEqual([
      { pseudonym: stored.rows[0].linkage_pseudonym },
      { error: expect.objectContaining({ code: "KRP_ID_BAD_LENGTH" }) },
    ]);
  });

  it("refuses agencies (403): identifier → pseudonym pairs are for Kruispunt's services only", async () => {
    const error = await harness.client
      .request(
        "pseudonymiser",
        "POST",
        "/v1/pseudonymise",
        { sub: "alpha", role: "agency" },
        { scheme: "febrl-ssn", identifiers: ["5304218"] },
      )
      .catch((e: unknown) => e);
    expect((error as { status: number }).status).toBe(403);
  });
});

describe("pseudonyms made under another key", () => {
  it("are not compared: the linker refuses the record and audits why", async () => {
    const { TOPICS } = await import("@kruispunt/bus");
    const { encodeEvent } = await import("@kruispunt/contracts");
    const stored = await harness.pool.query(
      "SELECT linkage_pseudonym FROM linker.records WHERE agency = 'alpha' LIMIT 1",
    );
    const bus = await stackBus(harness, "e2e-forger");
    try {
      await bus.publish(TOPICS.pseudonymised, [
        {
          key: stored.rows[0].linkage_pseudonym,
          value: encodeEvent("PseudonymisedRecord", {
            agency: "delta",
            dataset: "persons",
            sourceRecordId: "1",
            version: 1,
            linkagePseudonym: stored.rows[0].linkage_pseudonym,
            keyVersion: 2,
            keyringFingerprint: "0000000000000000",
            variables: {},
            uploadId: "forged",
            withdrawn: false,
            keyId: "ffffffffffffffff",
          }),
        },
      ]);
    } finally {
      await bus.close();
    }
    let refused: { object: string; details: { reason: string } }[] = [];
    for (let i = 0; i < 60 && refused.length === 0; i++) {
      ({ rows: refused } = await harness.pool.query(
        "SELECT object, details FROM audit.entries WHERE action = 'link.refused'",
      ));
      if (refused.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(refused).toEqual([
      { object: "delta/persons/1", details: { reason: "KRP_ERR_KEY_MISMATCH" } },
    ]);
    const delta = await harness.pool.query(
      "SELECT count(*)::int AS n FROM linker.records WHERE agency = 'delta'",
    );
    expect(delta.rows[0].n).toBe(0);
  });
});
