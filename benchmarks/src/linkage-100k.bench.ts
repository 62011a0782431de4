/**
 * bench:linkage-100k — a synthetic N × N probabilistic linkage with blocking (issue 5,
 * Speed) through @kruispunt/pprl's public API: `Encoder.encode` for both sides, then
 * `linkEncodings` (keyed blocking → candidate pairs → field Dice similarities →
 * Fellegi–Sunter with EM → one-to-one assignment). Wall time per phase and peak RSS.
 *
 * Data (seeded, no real person): N persons with given names and surnames built from
 * syllables (pools of 2 000 and 20 000), a date of birth in 1930–2009, a street number,
 * street, suburb and postcode (10 000 suburbs with their own postcode). The right side
 * holds 80 % of the left's persons, in another order, plus 20 % new ones; of the shared
 * persons 30 % carry one error: a typo in a name, a street or a suburb, a missing or
 * mistyped date of birth, or given name and surname swapped. Precision and recall
 * against this truth are printed as a check that the run linked what it should.
 *
 * Baseline, in the same process: exact linkage of the same records on a keyed hash of a
 * national identifier (HMAC-SHA-256 per record, then a hash join), what the linker does
 * without PPRL; the ratio is PPRL's wall time over it.
 *
 * Each size (BENCH_SIZES, default "10000,30000,100000") runs in its own child process so
 * that peak RSS (`process.resourceUsage().maxRSS`) is that size's alone.
 */
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Encoder, type Encoding, linkEncodings, PERSON_SCHEMA_V1 } from "@kruispunt/pprl";
import { fmt, printTable, seededRng } from "./bench-util";

interface Person {
  id: number;
  given_name: string;
  surname: string;
  date_of_birth: string;
  street_number: string;
  address_1: string;
  address_2: string;
  suburb: string;
  postcode: string;
}

interface SizeResult {
  n: number;
  encodeSeconds: number;
  linkSeconds: number;
  exactSeconds: number;
  candidates: number;
  links: number;
  review: number;
  precision: number;
  recall: number;
  peakRssMb: number;
}

const SYLLABLES =
  "ba be bi bo ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te ti to va ve vi vo an en in on ar er or el il ol st tr dr".split(
    " ",
  );

function word(rng: () => number, syllables: number): string {
  let w = "";
  for (let i = 0; i < syllables; i++) w += SYLLABLES[Math.floor(rng() * SYLLABLES.length)];
  return w;
}

function pool(rng: () => number, n: number, min: number, max: number): string[] {
  const set = new Set<string>();
  while (set.size < n) set.add(word(rng, min + Math.floor(rng() * (max - min + 1))));
  return [...set];
}

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;

function typo(rng: () => number, s: string): string {
  if (s.length < 2) return `${s}e`;
  const i = Math.floor(rng() * (s.length - 1));
  const kind = Math.floor(rng() * 3);
  if (kind === 0) return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2); // transposition
  if (kind === 1) return s.slice(0, i) + s.slice(i + 1); // deletion
  return s.slice(0, i) + pick(rng, [..."aeiourstln"]) + s.slice(i + 1); // substitution
}

/** Left and right datasets and the truth (pairs of indices). */
function synthesise(n: number) {
  const rng = seededRng(n);
  const given = pool(rng, 2_000, 2, 3);
  const surnames = pool(rng, 20_000, 2, 4);
  const streets = pool(rng, 5_000, 2, 3).map((s) => `${s} street`);
  const suburbs = pool(rng, 10_000, 2, 3);
  const person = (id: number): Person => {
    const suburb = Math.floor(rng() * suburbs.length);
    const y = 1930 + Math.floor(rng() * 80);
    const m = 1 + Math.floor(rng() * 12);
    const d = 1 + Math.floor(rng() * 28);
    return {
      id,
      given_name: pick(rng, given),
      surname: pick(rng, surnames),
      date_of_birth: `${y}${String(m).padStart(2, "0")}${String(d).padStart(2, "0")}`,
      street_number: String(1 + Math.floor(rng() * 200)),
      address_1: pick(rng, streets),
      address_2: "",
      suburb: suburbs[suburb] as string,
      postcode: String(1000 + suburb),
    };
  };
  const left = Array.from({ length: n }, (_, i) => person(i));
  const shared = left.filter(() => rng() < 0.8);
  const right: Person[] = shared.map((p) => {
    const q = { ...p };
    if (rng() < 0.3) {
      const error = Math.floor(rng() * 6);
      if (error === 0) q.given_name = typo(rng, q.given_name);
      else if (error === 1) q.surname = typo(rng, q.surname);
      else if (error === 2) q.address_1 = typo(rng, q.address_1);
      else if (error === 3) q.suburb = typo(rng, q.suburb);
      else if (error === 4) q.date_of_birth = rng() < 0.5 ? "" : typo(rng, q.date_of_birth);
      else [q.given_name, q.surname] = [q.surname, q.given_name];
    }
    return q;
  });
  for (let i = 0; right.length < n; i++) right.push(person(n + i));
  // Shuffle the right side (Fisher–Yates) so that order says nothing.
  for (let i = right.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [right[i], right[j]] = [right[j] as Person, right[i] as Person];
  }
  return { left, right, truePairs: shared.length };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function runSize(n: number): SizeResult {
  const { left, right, truePairs } = synthesise(n);
  const key = randomBytes(32);

  let start = process.hrtime.bigint();
  const pseudonym = (p: Person) =>
    createHmac("sha256", key).update(`bench-ssn\u0000${p.id}`).digest("hex");
  const byPseudonym = new Map<string, number>();
  left.forEach((p, i) => byPseudonym.set(pseudonym(p), i));
  let exactLinks = 0;
  for (const p of right) if (byPseudonym.has(pseudonym(p))) exactLinks += 1;
  const exactSeconds = seconds(start);
  if (exactLinks !== truePairs) throw new Error("exact baseline linked the wrong pairs");

  start = process.hrtime.bigint();
  const encoder = new Encoder(key, 1, PERSON_SCHEMA_V1);
  const encode = (p: Person): Encoding => encoder.encode(p as unknown as Record<string, string>);
  const leftEnc = left.map(encode);
  const rightEnc = right.map(encode);
  const encodeSeconds = seconds(start);

  start = process.hrtime.bigint();
  const result = linkEncodings(leftEnc, rightEnc);
  const linkSeconds = seconds(start);

  let correct = 0;
  for (const l of result.links) if (left[l.left]?.id === right[l.right]?.id) correct += 1;
  return {
    n,
    encodeSeconds,
    linkSeconds,
    exactSeconds,
    candidates: result.candidates,
    links: result.links.length,
    review: result.review.length,
    precision: result.links.length === 0 ? 1 : correct / result.links.length,
    recall: correct / truePairs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

const child = process.argv.indexOf("--size");
if (child >= 0) {
  console.log(JSON.stringify(runSize(Number(process.argv[child + 1]))));
} else {
  const sizes = (process.env.BENCH_SIZES ?? "10000,30000,100000").split(",").map(Number);
  const self = fileURLToPath(import.meta.url);
  const results: SizeResult[] = sizes.map((n) => {
    const out = execFileSync(process.execPath, ["--import", "tsx", self, "--size", String(n)], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
      stdio: ["ignore", "pipe", "inherit"],
    });
    return JSON.parse(out.trim().split("\n").at(-1) as string) as SizeResult;
  });
  printTable(
    [
      "N × N",
      "encode s",
      "link s",
      "wall s",
      "exact s",
      "vs exact",
      "candidates",
      "links",
      "review",
      "precision",
      "recall",
      "peak RSS MB",
    ],
    results.map((r) => [
      `${fmt(r.n)} × ${fmt(r.n)}`,
      r.encodeSeconds.toFixed(1),
      r.linkSeconds.toFixed(1),
      (r.encodeSeconds + r.linkSeconds).toFixed(1),
      r.exactSeconds.toFixed(2),
      `${((r.encodeSeconds + r.linkSeconds) / r.exactSeconds).toFixed(0)}×`,
      fmt(r.candidates),
      fmt(r.links),
      fmt(r.review),
      r.precision.toFixed(4),
      r.recall.toFixed(4),
      fmt(r.peakRssMb),
    ]),
  );
  const last = results.at(-1) as SizeResult;
  console.log(
    `RESULT linkage-100k: ${fmt(last.n)} × ${fmt(last.n)} with blocking in ${(last.encodeSeconds + last.linkSeconds).toFixed(1)} s wall (encode ${last.encodeSeconds.toFixed(1)} s, link ${last.linkSeconds.toFixed(1)} s), peak RSS ${fmt(last.peakRssMb)} MB; exact linkage ${last.exactSeconds.toFixed(2)} s`,
  );
}
