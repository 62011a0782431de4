/**
 * The main job on all of FEBRL 4, as `pnpm demo` runs it: exact linkage on the
 * pseudonymised soc_sec_id must find the 4,561 pairs whose identifier agrees
 * (data README) and no false link.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness("e2e_full", 20_000);
}, 600_000);

afterAll(async () => {
  await harness?.stop();
});

describe("main job on all of FEBRL 4", () => {
  it("accepts all 10,000 records", () => {
    expect(harness.summary.agencies).toEqual({
      alpha: { submitted: 5000, accepted: 5000, rejected: 0 },
      beta: { submitted: 5000, accepted: 5000, rejected: 0 },
    });
  });

  it("finds tp 4561, fp 0, fn 439", () => {
    expect(harness.summary.linkage.linked_pairs).toBe(4561);
    expect(harness.summary.linkage.truth).toEqual({
      tp: 4561,
      fp: 0,
      fn: 439,
      precision: 1,
      recall: 0.9122,
      f1: 0.9541,
    });
  });

  it("releases the 4,561 linked persons under k=10 and the audit chain verifies", () => {
    expect(harness.summary.extract.rows + harness.summary.extract.suppressed).toBe(4561);
    expect(harness.summary.audit.verified).toBe(true);
    expect(harness.summary.audit.by_action["link.decision"]).toBe(4561);
  });
});
