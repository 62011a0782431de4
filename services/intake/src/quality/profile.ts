/**
 * The quality profile of one upload (issue 9), built while the upload streams by
 * (an UploadObserver) and stored as counts only: per contract field the records in
 * which it has a value (completeness; missing values as packages/contracts
 * presentValue defines them), refusals by field and reason code (validity), the
 * identifier validity rate, repeated source record ids, and — when the catalogue
 * names a record-date variable — the age of records at acceptance in whole days.
 * No value, record id or identifier is kept.
 */
import type { RawFields, RecordVerdict, UploadObserver } from "@kruispunt/agency-client";
import {
  contractFields,
  type DatasetContract,
  isCalendarDate,
  presentValue,
} from "@kruispunt/contracts";
import type { Pool } from "@kruispunt/store";

export interface FieldCompleteness {
  present: number;
  /** present / records read, 4 decimals. */
  share: number;
}

export interface UploadProfile {
  submitted: number;
  accepted: number;
  refused: number;
  /** By contract field, over the records read (lines unreadable as records excluded). */
  completeness: Record<string, FieldCompleteness>;
  /** Refusals by reason code, and by field then code. */
  refusalsByCode: Record<string, number>;
  refusalsByField: Record<string, Record<string, number>>;
  identifier: {
    field: string;
    /**
     * Records whose identifier is missing or invalid (bad check digits, empty, malformed):
     * refused on the identifier field, or accepted without it (identifier.whenUnusable).
     */
    invalid: number;
    /** 1 − invalid / submitted, 4 decimals (1 for an empty upload). */
    validRate: number;
  };
  /** Records refused because their source record id repeated an earlier one. */
  duplicateRecordIds: number;
  /** Record date (catalogue recordDateVariable) to acceptance, in days; null without one. */
  recordAgeDays: {
    variable: string;
    records: number;
    median: number;
    p90: number;
    max: number;
  } | null;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Days from `yyyymmdd` (or YYYY-MM-DD) to `now`, or null if it is not a calendar date. */
function ageDays(value: string, now: number): number | null {
  if (!isCalendarDate(value)) return null;
  const digits = value.replaceAll("-", "");
  const t = Date.UTC(
    Number(digits.slice(0, 4)),
    Number(digits.slice(4, 6)) - 1,
    Number(digits.slice(6, 8)),
  );
  return Math.floor((now - t) / 86_400_000);
}

/** Quantile `q` of a histogram (value → count) with `n` entries. */
function quantile(histogram: Map<number, number>, n: number, q: number): number {
  const target = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const [value, count] of [...histogram].sort((a, b) => a[0] - b[0])) {
    seen += count;
    if (seen >= target) return value;
  }
  return 0;
}

/** An observer for processUpload and `finish()`, which returns the profile. */
export function createProfiler(
  contract: DatasetContract,
  recordDateVariable: string | null,
  now = () => Date.now(),
): UploadObserver & { finish(): UploadProfile } {
  const fields = [...contractFields(contract)];
  const present = new Map(fields.map((f) => [f, 0]));
  let read = 0;
  // Accepted without their identifier (a note): invalid all the same.
  let acceptedWithout = 0;
  const byCode: Record<string, number> = {};
  const byField: Record<string, Record<string, number>> = {};
  const counts = { submitted: 0, accepted: 0, refused: 0 };
  // Ages in days → records: bounded by the number of distinct days, not of records.
  const ages = new Map<number, number>();
  let aged = 0;
  return {
    record(raw: RawFields | null) {
      counts.submitted += 1;
      if (!raw) return;
      read += 1;
      for (const f of fields)
        if (presentValue(raw[f]) !== "") present.set(f, (present.get(f) ?? 0) + 1);
      if (recordDateVariable) {
        const age = ageDays(presentValue(raw[recordDateVariable]), now());
        if (age !== null) {
          ages.set(age, (ages.get(age) ?? 0) + 1);
          aged += 1;
        }
      }
    },
    verdict(v: RecordVerdict) {
      if (v.verdict === "accepted") {
        counts.accepted += 1;
        if (v.note) acceptedWithout += 1;
        return;
      }
      counts.refused += 1;
      byCode[v.code] = (byCode[v.code] ?? 0) + 1;
      const f = (byField[v.field || "(record)"] ??= {});
      f[v.code] = (f[v.code] ?? 0) + 1;
    },
    finish(): UploadProfile {
      const invalid = Object.values(byField[contract.identifier.field] ?? {}).reduce(
        (a, b) => a + b,
        acceptedWithout,
      );
      return {
        ...counts,
        completeness: Object.fromEntries(
          fields.map((f) => {
            const n = present.get(f) ?? 0;
            return [f, { present: n, share: read > 0 ? round4(n / read) : 0 }];
          }),
        ),
        refusalsByCode: byCode,
        refusalsByField: byField,
        identifier: {
          field: contract.identifier.field,
          invalid,
          validRate: counts.submitted > 0 ? round4(1 - invalid / counts.submitted) : 1,
        },
        duplicateRecordIds: byCode.KRP_ERR_DUPLICATE_RECORD_ID ?? 0,
        recordAgeDays:
          recordDateVariable && aged > 0
            ? {
                variable: recordDateVariable,
                records: aged,
                median: quantile(ages, aged, 0.5),
                p90: quantile(ages, aged, 0.9),
                max: Math.max(...ages.keys()),
              }
            : null,
      };
    },
  };
}

/** The record-date variable the dataset's catalogue entry names, or null. */
export async function recordDateVariableOf(
  pool: Pool,
  agency: string,
  dataset: string,
): Promise<string | null> {
  const { rows } = await pool.query<{ v: string | null }>(
    "SELECT metadata->>'recordDateVariable' AS v FROM intake.catalogue WHERE agency = $1 AND dataset = $2",
    [agency, dataset],
  );
  return rows[0]?.v ?? null;
}
