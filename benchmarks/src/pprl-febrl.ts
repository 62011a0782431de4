/**
 * Linkage quality on FEBRL 4 against its truth (issue 5, Quality), privately: the two
 * files are encoded under a fresh random PPRL key (as the pseudonymiser would) and only
 * the encodings are compared. Exact linkage is taken as the linker does it, on equal
 * soc_sec_id (equal linkage pseudonyms); PPRL links the rest. Prints precision, recall,
 * F1 and the pairs left in clerical review, for the default thresholds and a sweep, and
 * the m/u parameters EM estimates (which packages/pprl scorer.ts ships as defaults).
 *
 *   pnpm --filter @kruispunt/benchmarks pprl:febrl
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_THRESHOLDS,
  Encoder,
  type LinkResult,
  linkEncodings,
  PERSON_SCHEMA_V1,
  PERSON_V1_PARAMETERS,
  pprlKeyFromLinkageKey,
} from "@kruispunt/pprl";
import { REPO_ROOT } from "@kruispunt/service-kit";
import { parse } from "csv-parse/sync";

const dir = join(REPO_ROOT, "..", "shared", "data", "febrl4");
const read = (f: string) =>
  parse(readFileSync(join(dir, f), "utf8"), { columns: true, trim: true }) as Record<
    string,
    string
  >[];
const a = read("dataset4a.csv");
const b = read("dataset4b.csv");
const person = (r: Record<string, string> | undefined) => /^rec-(\d+)-/.exec(r?.rec_id ?? "")?.[1];
const truePairs = 5000;

const started = performance.now();
const encoder = new Encoder(pprlKeyFromLinkageKey(randomBytes(32)), 1, PERSON_SCHEMA_V1);
const ea = a.map((r) => encoder.encode(r));
const eb = b.map((r) => encoder.encode(r));
const encodeMs = performance.now() - started;
const bySsn = new Map(a.map((r, i) => [r.soc_sec_id, i]));
const exact = b.flatMap((r, j) => {
  const i = bySsn.get(r.soc_sec_id);
  return i === undefined ? [] : [[i, j] as [number, number]];
});

function quality(result: LinkResult, withExact: boolean) {
  const links = [
    ...(withExact ? exact : []),
    ...result.links.map((p) => [p.left, p.right] as [number, number]),
  ];
  const tp = links.filter(([i, j]) => person(a[i]) === person(b[j])).length;
  const precision = links.length ? tp / links.length : 0;
  const recall = tp / truePairs;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return JSON.stringify({
    tp,
    fp: links.length - tp,
    fn: truePairs - tp,
    precision: r4(precision),
    recall: r4(recall),
    f1: r4(f1),
    review: result.review.length,
  });
}

const t0 = performance.now();
const em = linkEncodings(ea, eb, { exact });
const linkMs = performance.now() - t0;
console.log(
  `encode 10,000 records: ${encodeMs.toFixed(0)} ms; block+compare+EM+assign: ${linkMs.toFixed(0)} ms; ${em.candidates} candidate pairs`,
);
console.log(
  "exact + PPRL, m/u by EM, default thresholds",
  JSON.stringify(DEFAULT_THRESHOLDS),
  quality(em, true),
);
console.log(
  "exact + PPRL, shipped parameters",
  quality(linkEncodings(ea, eb, { exact, parameters: PERSON_V1_PARAMETERS }), true),
);
console.log(
  "PPRL alone (no identifier at all)",
  quality(linkEncodings(ea, eb, { parameters: PERSON_V1_PARAMETERS }), false),
);
console.log("threshold sweep (exact + PPRL, shipped parameters):");
for (const link of [2, 4, 6, 8, 10, 15]) {
  const r = linkEncodings(ea, eb, {
    exact,
    parameters: PERSON_V1_PARAMETERS,
    thresholds: { link, review: 1 },
  });
  console.log(`  link ≥ ${link}`, quality(r, true));
}
const round = (rows: number[][]) => rows.map((row) => row.map((x) => Math.round(x * 1e4) / 1e4));
console.log(
  "EM estimates:",
  JSON.stringify({ p: em.parameters.p, m: round(em.parameters.m), u: round(em.parameters.u) }),
);
