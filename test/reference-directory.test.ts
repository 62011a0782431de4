/**
 * Reference directory (issue 5, item 5) over the running services, real Kafka and
 * PostgreSQL: after the main job on FEBRL persons 0–39, an authorised role asks the
 * linker which agencies' datasets hold records for a linkage pseudonym and for which
 * period. The answer names agencies, datasets, counts and times only; other roles are
 * refused; every consultation is in the audit log; a withdrawal closes the period.
 */
import { ApiError } from "@kruispunt/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, stackBus, startHarness } from "./harness";

let harness: Harness;
/** A linkage pseudonym whose person has a record at both agencies. */
let shared: string;
let started: Date;

beforeAll(async () => {
  started = new Date();
  harness = await startHarness("e2e_linkdepth", 19_000, 40);
  const { rows } = await harness.pool.query(
    `SELECT linkage_pseudonym FROM linker.records WHERE NOT withdrawn
     GROUP BY linkage_pseudonym HAVING count(DISTINCT agency) = 2 ORDER BY 1 LIMIT 1`,
  );
  shared = rows[0].linkage_pseudonym;
});

afterAll(async () => {
  await harness?.stop();
});

const as = (role: "agency" | "researcher" | "committee" | "auditor" | "service") => ({
  sub: `e2e-${role}`,
  role,
});

function lookup(role: Parameters<typeof as>[0], linkagePseudonym: unknown) {
  return harness.client.request<{
    clusterId: string;
    holders: {
      agency: string;
      dataset: string;
      records: number;
      heldFrom: string;
      heldUntil: string | null;
    }[];
  }>("linker", "POST", "/v1/directory/lookup", as(role), { linkagePseudonym });
}

async function status(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error("expected an HTTP error");
  return { status: error.status, body: error.body };
}

describe("reference directory", () => {
  it("tells an auditor which datasets hold records for a pseudonym, and since when", async () => {
    const answer = await lookup("auditor", shared);
    expect(answer.clusterId).toBe(shared);
    expect(answer.holders.map(({ heldFrom: _, ...h }) => h)).toEqual([
      { agency: "alpha", dataset: "persons", records: 1, heldUntil: null },
      { agency: "beta", dataset: "persons", records: 1, heldUntil: null },
    ]);
    for (const h of answer.holders) {
      expect(new Date(h.heldFrom).getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
      expect(new Date(h.heldFrom).getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it("answers with no content: no variable value, no source record id", async () => {
    const answer = await lookup("service", shared);
    const { rows } = await harness.pool.query(
      "SELECT source_record_id, variables FROM linker.records WHERE linkage_pseudonym = $1",
      [shared],
    );
    const text = JSON.stringify(answer);
    expect(Object.keys(answer).sort()).toEqual(["clusterId", "holders"]);
    for (const h of answer.holders) {
      expect(Object.keys(h).sort()).toEqual([
        "agency",
        "dataset",
        "heldFrom",
        "heldUntil",
        "records",
      ]);
    }
    for (const r of rows) {
      expect(text).not.toContain(`"${r.source_record_id}"`);
      for (const value of Object.values(r.variables as Record<string, string>)) {
        expect(text).not.toContain(`"${value}"`);
      }
    }
  });

  it("refuses agencies, researchers and the committee (403), and callers without a token (401)", async () => {
    for (const role of ["agency", "researcher", "committee"] as const) {
      const refused = await status(lookup(role, shared));
      expect(refused).toMatchObject({ status: 403, body: { code: "KRP_ERR_FORBIDDEN" } });
    }
    const response = await fetch(`${harness.urls.linker}/v1/directory/lookup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ linkagePseudonym: shared }),
    });
    expect(response.status).toBe(401);
  });

  it("names the field of a malformed pseudonym (400) and says 404 for an unknown one", async () => {
    expect(await status(lookup("auditor", "85.07.30-033.28"))).toMatchObject({
      status: 400,
      body: { code: "KRP_ERR_BAD_REQUEST", message: expect.stringContaining("linkagePseudonym") },
    });
    expect(await status(lookup("auditor", 42))).toMatchObject({ status: 400 });
    expect(await status(lookup("auditor", "f".repeat(64)))).toMatchObject({
      status: 404,
      body: { code: "KRP_ERR_NOT_FOUND" },
    });
  });

  it("audits every consultation with the caller, the pseudonym asked and the cluster", async () => {
    let rows: { actor: string; role: string; object: string; details: unknown }[] = [];
    for (let i = 0; i < 60; i++) {
      ({ rows } = await harness.pool.query(
        `SELECT actor, role, object, details FROM audit.entries
         WHERE action = 'directory.lookup' ORDER BY seq`,
      ));
      if (rows.length >= 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(rows).toEqual([
      {
        actor: "e2e-auditor",
        role: "auditor",
        object: shared,
        details: { cluster: shared, found: true },
      },
      {
        actor: "e2e-service",
        role: "service",
        object: shared,
        details: { cluster: shared, found: true },
      },
      {
        actor: "e2e-auditor",
        role: "auditor",
        object: "f".repeat(64),
        details: { cluster: null, found: false },
      },
    ]);
  });

  it("is described in the linker's OpenAPI document", async () => {
    const doc = (await (await fetch(`${harness.urls.linker}/openapi.json`)).json()) as {
      paths: Record<string, { post?: { description?: string } }>;
    };
    expect(doc.paths["/v1/directory/lookup"]?.post?.description).toMatch(/^Reference directory/);
  });

  it("closes the period of a dataset whose record is withdrawn", async () => {
    const { TOPICS } = await import("@kruispunt/bus");
    const { encodeEvent } = await import("@kruispunt/contracts");
    const { rows } = await harness.pool.query(
      `SELECT source_record_id, version, key_version, key_id, keyring_fingerprint FROM linker.records
       WHERE linkage_pseudonym = $1 AND agency = 'beta'`,
      [shared],
    );
    const beta = rows[0];
    const bus = await stackBus(harness, "e2e-linkdepth");
    try {
      await bus.publish(TOPICS.pseudonymised, [
        {
          key: shared,
          value: encodeEvent("PseudonymisedRecord", {
            agency: "beta",
            dataset: "persons",
            sourceRecordId: beta.source_record_id,
            version: Number(beta.version) + 1,
            linkagePseudonym: "",
            keyVersion: beta.key_version,
            keyringFingerprint: beta.keyring_fingerprint,
            variables: {},
            uploadId: "e2e-withdrawal",
            withdrawn: true,
            keyId: beta.key_id,
          }),
        },
      ]);
    } finally {
      await bus.close();
    }
    let answer = await lookup("auditor", shared);
    for (let i = 0; i < 60 && answer.holders[1]?.heldUntil === null; i++) {
      await new Promise((r) => setTimeout(r, 500));
      answer = await lookup("auditor", shared);
    }
    const [alpha, betaHolder] = answer.holders;
    expect(alpha).toMatchObject({ agency: "alpha", records: 1, heldUntil: null });
    expect(betaHolder).toMatchObject({ agency: "beta", dataset: "persons", records: 0 });
    expect(Date.parse(betaHolder?.heldUntil ?? "")).toBeGreaterThanOrEqual(
      Date.parse(betaHolder?.heldFrom ?? ""),
    );
  });
});
