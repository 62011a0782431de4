/**
 * FEBRL 4 as two agencies' submissions. The files' `rec_id` (rec-N-org / rec-N-dup-0)
 * is the ground truth; it stays in this process, used only to score the result.
 * Each agency instead sends its own record id: the record's position in its file.
 */
import { readFileSync } from "node:fs";
import { isCalendarDate } from "@kruispunt/contracts";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

export interface AgencySubmission {
  /** CSV to upload: `record_id` first, then FEBRL's columns other than rec_id. */
  csv: string;
  records: number;
  /** record_id → FEBRL person number N (the truth; never sent). */
  truth: Map<string, number>;
}

/**
 * Reads one FEBRL file (values separated by ", ") and turns it into a submission.
 * `limitPairs` keeps only persons N < limitPairs, for small end-to-end runs.
 */
export function febrlSubmission(path: string, limitPairs?: number): AgencySubmission {
  const rows = parse(readFileSync(path, "utf8"), {
    columns: true,
    trim: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  const truth = new Map<string, number>();
  const out: Record<string, string>[] = [];
  rows.forEach((row, index) => {
    const person = Number(/^rec-(\d+)-/.exec(row.rec_id ?? "")?.[1]);
    if (!Number.isInteger(person))
      throw new Error(`${path}: row ${index + 2} has no rec-N- rec_id`);
    if (limitPairs !== undefined && person >= limitPairs) return;
    const recordId = String(index + 1);
    truth.set(recordId, person);
    const { rec_id: _truth, ...fields } = row;
    out.push({ record_id: recordId, ...fields, year_of_birth: yearOfBirth(row.date_of_birth) });
  });
  return { csv: stringify(out, { header: true }), records: out.length, truth };
}

/**
 * The year of a FEBRL date of birth (YYYYMMDD) when it is a calendar date, else "":
 * the agency derives it so the date itself can stay a sealed quasi-identifier.
 */
export function yearOfBirth(dateOfBirth: string | undefined): string {
  const value = dateOfBirth?.trim() ?? "";
  return /^\d{8}$/.test(value) && isCalendarDate(value) ? value.slice(0, 4) : "";
}

export interface LinkageQuality {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Scores linked pairs (alpha record id, beta record id) against the truth: a pair
 * is a true positive when both records carry the same FEBRL person number.
 */
export function scoreLinkage(
  pairs: { left: string; right: string }[],
  alpha: Map<string, number>,
  beta: Map<string, number>,
): LinkageQuality {
  const betaPersons = new Set(beta.values());
  const truePairs = [...new Set(alpha.values())].filter((p) => betaPersons.has(p)).length;
  let tp = 0;
  for (const pair of pairs) {
    const a = alpha.get(pair.left);
    if (a !== undefined && a === beta.get(pair.right)) tp += 1;
  }
  const fp = pairs.length - tp;
  const fn = truePairs - tp;
  const precision = pairs.length === 0 ? 0 : tp / pairs.length;
  const recall = truePairs === 0 ? 0 : tp / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return { tp, fp, fn, precision: round(precision), recall: round(recall), f1: round(f1) };
}
