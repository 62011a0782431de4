import { Readable } from "node:stream";
import { processUpload } from "@kruispunt/agency-client";
import { contractSchema } from "@kruispunt/contracts";
import { cryptoReady, generateKeyring, publicKeyOf } from "@kruispunt/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { driftFrom } from "./drift";
import { createProfiler } from "./profile";

const contract = contractSchema.parse({
  identifier: { field: "ssn", scheme: "febrl-ssn" },
  sourceRecordId: "id",
  quasiIdentifiers: ["surname"],
  variables: [
    { name: "state", type: "category", description: "", allowedValues: ["nsw", "vic"] },
    { name: "seen", type: "date", description: "" },
  ],
});

let sealPublicKey: Uint8Array;
beforeAll(async () => {
  await cryptoReady();
  sealPublicKey = publicKeyOf(generateKeyring(["seal"]), "seal");
});

async function profile(csv: string, using = contract) {
  const profiler = createProfiler(using, "seen", () => Date.UTC(2026, 0, 11));
  await processUpload({
    agency: "a",
    dataset: "d",
    uploadId: "00000000-0000-0000-0000-000000000001",
    contract: using,
    body: Readable.from([csv]),
    sealPublicKey,
    publish: async () => {},
    observer: profiler,
  });
  return profiler.finish();
}

const header = "id,ssn,surname,state,seen\n";

describe("upload quality profile", () => {
  it("counts completeness, refusals by field and code, identifier validity, duplicates and record age", async () => {
    const p = await profile(
      `${header}1,1234567,smith,nsw,20260101\n2,,jones,vic,20260110\n3,7654321,,qld,20251212\n1,1111111,x,nsw,N/A\n4,2222222,y,,20260111\n`,
    );
    expect(p.submitted).toBe(5);
    expect(p.accepted).toBe(2);
    expect(p.refused).toBe(3);
    expect(p.completeness).toEqual({
      ssn: { present: 4, share: 0.8 },
      id: { present: 5, share: 1 },
      surname: { present: 4, share: 0.8 },
      state: { present: 4, share: 0.8 },
      seen: { present: 4, share: 0.8 },
    });
    expect(p.refusalsByField.ssn).toEqual({ KRP_ID_EMPTY: 1 });
    expect(p.refusalsByField.state).toEqual({ KRP_ERR_VALUE_NOT_ALLOWED: 1 });
    expect(p.refusalsByField.id).toEqual({ KRP_ERR_DUPLICATE_RECORD_ID: 1 });
    expect(p.identifier).toEqual({ field: "ssn", invalid: 1, validRate: 0.8 });
    expect(p.duplicateRecordIds).toBe(1);
    // Ages 10, 1, 30 and 0 days at 2026-01-11.
    expect(p.recordAgeDays).toEqual({ variable: "seen", records: 4, median: 1, p90: 30, max: 30 });
    // Counts only: no value of the file appears in the profile.
    const text = JSON.stringify(p);
    for (const value of ["1234567", "smith", "jones", "qld", "20260101"])
      expect(text).not.toContain(value);
  });

  it("counts an identifier accepted without it (identifier.whenUnusable) as invalid too", async () => {
    const linking = contractSchema.parse({
      ...contract,
      identifier: { ...contract.identifier, whenUnusable: "link_probabilistically" },
    });
    const p = await profile(
      `${header}1,1234567,smith,nsw,20260101\n2,,jones,vic,20260110\n3,12,brown,vic,20260110\n4,,,vic,20260110\n`,
      linking,
    );
    expect([p.accepted, p.refused]).toEqual([3, 1]);
    expect(p.refusalsByField.ssn).toEqual({ KRP_ID_EMPTY: 1 });
    expect(p.identifier).toEqual({ field: "ssn", invalid: 3, validRate: 0.25 });
  });

  it("flags fields whose completeness moved by 5 points or more, and new refusal codes", async () => {
    const before = await profile(
      `${header}1,1234567,smith,nsw,20260101\n2,7654321,jones,vic,20260110\n`,
    );
    const now = await profile(`${header}1,1234567,,nsw,20260101\n2,,jones,vic,20260110\n`);
    expect(driftFrom("u0", before, now)).toEqual({
      previousUploadId: "u0",
      submittedChange: 0,
      refusalRateChange: 0.5,
      completeness: { ssn: { before: 1, now: 0.5 }, surname: { before: 1, now: 0.5 } },
      newRefusalCodes: ["KRP_ID_EMPTY"],
      goneRefusalCodes: [],
    });
  });
});
