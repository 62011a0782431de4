/**
 * Drift of an upload from the dataset's previous upload (issue 9): changes in size,
 * refusal rate, per-field completeness and reason codes. A field is flagged when its
 * completeness moved by at least DRIFT_THRESHOLD (absolute share), a code when it is
 * new or gone — the sudden changes a data steward should look at.
 */
import type { UploadProfile } from "./profile";

/** Absolute completeness change (share of records) that flags a field. */
export const DRIFT_THRESHOLD = 0.05;

export interface Drift {
  previousUploadId: string;
  submittedChange: number;
  /** refused / submitted now minus before, 4 decimals. */
  refusalRateChange: number;
  /** Fields whose completeness share moved by ≥ DRIFT_THRESHOLD: share before and now. */
  completeness: Record<string, { before: number; now: number }>;
  newRefusalCodes: string[];
  goneRefusalCodes: string[];
}

const rate = (p: UploadProfile) => (p.submitted > 0 ? p.refused / p.submitted : 0);
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Compares `now` with `before` (the dataset's previous completed upload). */
export function driftFrom(
  previousUploadId: string,
  before: UploadProfile,
  now: UploadProfile,
): Drift {
  const completeness: Drift["completeness"] = {};
  for (const [field, c] of Object.entries(now.completeness)) {
    const was = before.completeness[field]?.share ?? 0;
    if (Math.abs(c.share - was) >= DRIFT_THRESHOLD)
      completeness[field] = { before: was, now: c.share };
  }
  const codesBefore = new Set(Object.keys(before.refusalsByCode));
  const codesNow = new Set(Object.keys(now.refusalsByCode));
  return {
    previousUploadId,
    submittedChange: now.submitted - before.submitted,
    refusalRateChange: round4(rate(now) - rate(before)),
    completeness,
    newRefusalCodes: [...codesNow].filter((c) => !codesBefore.has(c)).sort(),
    goneRefusalCodes: [...codesBefore].filter((c) => !codesNow.has(c)).sort(),
  };
}
