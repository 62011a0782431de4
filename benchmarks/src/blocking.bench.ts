/**
 * bench:blocking — how many candidates blocking gives each record (issue 5, Speed): the
 * linker fetches and scores every record sharing a blocking key with an arriving one,
 * so the mean candidates per record and the largest block set its cost per record.
 *
 * BENCH_N (50 000) synthetic persons per agency, two agencies (@kruispunt/synthetic:
 * half of B copies A's persons with typos), the quasi-identifiers normalised as
 * PERSON_SCHEMA_V1 does and keyed into blocks by `blockingValues` (raw values: the
 * counts do not depend on the key). Two phonetic codes side by side on the same
 * records: the shipped `phonetic` (a name's main word, particles such as "van"/"de"
 * skipped) and the baseline that took a name's first word. Deterministic (seeded).
 */

import { blockingValues, PERSON_SCHEMA_V1, phonetic } from "@kruispunt/pprl";
import { generateRows } from "@kruispunt/synthetic";
import { doubleMetaphone } from "double-metaphone";
import { envInt, fmt, printTable } from "./bench-util";

const N = envInt("BENCH_N", 50_000);

/** The baseline: Double Metaphone of the first word. */
function firstWord(name: string): string {
  const first = name.split(" ")[0] ?? "";
  return first === "" ? "" : doubleMetaphone(first)[0];
}

const normalised = [...generateRows({ count: N, seed: 7, agencies: 2 })].map((row) => {
  const r = row.record as unknown as Record<string, string>;
  return Object.fromEntries(
    PERSON_SCHEMA_V1.fields.map((f) => [f.name, f.normalise(r[f.name] ?? "")]),
  );
});

/** Mean other records sharing a block with a record (summed over passes), largest block. */
function candidates(code: (name: string) => string) {
  const keys = normalised.map((n) => blockingValues(n, code).map(([p, v]) => `${p}\u0000${v}`));
  const size = new Map<string, number>();
  for (const ks of keys) for (const k of ks) size.set(k, (size.get(k) ?? 0) + 1);
  let sum = 0;
  for (const ks of keys) for (const k of ks) sum += (size.get(k) ?? 1) - 1;
  // A loop, not Math.max(...): a spread of 100,000+ block sizes overflows the stack.
  let largest = 0;
  for (const n of size.values()) largest = Math.max(largest, n);
  return { mean: sum / keys.length, largest };
}

const shipped = candidates(phonetic);
const baseline = candidates(firstWord);
printTable(
  ["phonetic code", "mean candidates / record", "largest block"],
  [
    ["main word (shipped)", fmt(shipped.mean, 1), fmt(shipped.largest)],
    ["first word (baseline)", fmt(baseline.mean, 1), fmt(baseline.largest)],
  ],
);
console.log(
  `RESULT blocking: ${fmt(2 * N)} synthetic records, ${fmt(shipped.mean, 1)} candidates per record vs ${fmt(baseline.mean, 1)} with the first word — ratio ${fmt(baseline.mean / shipped.mean, 2)}`,
);
