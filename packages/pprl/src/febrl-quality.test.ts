/**
 * Quality on FEBRL 4 (5,000 × 5,000 records, 5,000 true pairs), privately: only
 * encodings are compared. Exact linkage is simulated as the linker does it, on
 * equal soc_sec_id (equal linkage pseudonyms); probabilistic linkage takes the rest.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import type { Encoding } from "./encode";
import { Encoder, pprlKeyFromLinkageKey } from "./encode";
import { type LinkResult, linkEncodings } from "./link";
import { PERSON_SCHEMA_V1 } from "./schema";
import { PERSON_V1_PARAMETERS } from "./scorer";

const dir = fileURLToPath(new URL("../../../../shared/data/febrl4/", import.meta.url));
const read = (f: string) =>
  parse(readFileSync(`${dir}${f}`, "utf8"), { columns: true, trim: true }) as Record<
    string,
    string
  >[];
const person = (r: Record<string, string>) => /^rec-(\d+)-/.exec(r.rec_id ?? "")?.[1];

let a: Record<string, string>[];
let b: Record<string, string>[];
let ea: Encoding[];
let eb: Encoding[];
let exact: [number, number][];

function quality(result: LinkResult) {
  const links = [...exact, ...result.links.map((p) => [p.left, p.right] as [number, number])];
  const tp = links.filter(([i, j]) => person(a[i] ?? {}) === person(b[j] ?? {})).length;
  return { tp, fp: links.length - tp, fn: 5000 - tp, review: result.review.length };
}

beforeAll(() => {
  a = read("dataset4a.csv");
  b = read("dataset4b.csv");
  const encoder = new Encoder(
    pprlKeyFromLinkageKey(new Uint8Array(32).fill(42)),
    1,
    PERSON_SCHEMA_V1,
  );
  ea = a.map((r) => encoder.encode(r));
  eb = b.map((r) => encoder.encode(r));
  const bySsn = new Map(a.map((r, i) => [r.soc_sec_id, i]));
  exact = b.flatMap((r, j) => {
    const i = bySsn.get(r.soc_sec_id);
    return i === undefined ? [] : [[i, j] as [number, number]];
  });
}, 120_000);

describe("FEBRL 4, exact + privacy-preserving probabilistic linkage", () => {
  it("exact linkage alone finds the 4,561 pairs with equal soc_sec_id", () => {
    expect(exact).toHaveLength(4561);
  });

  it("reaches precision 1 and F1 ≥ 0.999 with at most 20 pairs in review (default parameters)", () => {
    const q = quality(linkEncodings(ea, eb, { exact, parameters: PERSON_V1_PARAMETERS }));
    expect(q).toEqual({ tp: 4996, fp: 0, fn: 4, review: 1 });
  });

  it("gets the same result with m and u re-estimated by EM, and EM agrees with the shipped parameters", () => {
    const result = linkEncodings(ea, eb, { exact });
    expect(quality(result)).toEqual({ tp: 4996, fp: 0, fn: 4, review: 1 });
    expect(result.candidates).toBe(7391);
    expect(result.parameters.p).toBeCloseTo(PERSON_V1_PARAMETERS.p, 2);
  });

  it("probabilistic linkage alone (no identifier at all) has no false link", () => {
    const q = quality(linkEncodings(ea, eb, { parameters: PERSON_V1_PARAMETERS }));
    expect(q.fp).toBe(0);
  });
});
