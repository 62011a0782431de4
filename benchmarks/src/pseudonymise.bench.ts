/**
 * bench:pseudonymise — identifiers per second through the full pseudonymisation path
 * (`getScheme("be-insz").validate(raw)` + `linkagePseudonym(key, "be-insz", canonical)`),
 * against raw libsodium HMAC-SHA-256 (`crypto_auth_hmacsha256`) on the same canonical
 * inputs with the same key, in the same process, in alternating rounds.
 *
 * Inputs: BENCH_N (default 1 000 000) valid INSZ numbers from `generateInsz` with a seeded
 * rng, written dotted (`85.07.30-033.28`), with spaces, or plain, in turn.
 * BENCH_ROUNDS (default 3) alternating rounds after a warm-up. BENCH_BREAKDOWN=1 adds
 * the cost of each step on its own (validate only, linkagePseudonym only, and the
 * streaming libsodium HMAC that linkagePseudonym uses).
 *
 * Goal (issue 3): full path ≥ 0.8 × raw HMAC.
 */
import { cryptoReady, linkagePseudonym } from "@kruispunt/crypto";
import { getScheme } from "@kruispunt/identifiers";
import sodium from "libsodium-wrappers-sumo";
import { envInt, fmt, inszInputs, median, printTable, timeSeconds } from "./bench-util";
import { PrecomputedHmac, prototypeOneShot } from "./pseudonym-prototypes";

const SCHEME = "be-insz";
const GOAL = 0.8;

const N = envInt("BENCH_N", 1_000_000);
const ROUNDS = envInt("BENCH_ROUNDS", 3);
const WARMUP = Math.min(N, 100_000);
const CHUNK = 50_000;
const BREAKDOWN = process.env.BENCH_BREAKDOWN === "1";

await cryptoReady();
await sodium.ready;

// Same key for both paths (32 bytes, as in a keyring).
const key = sodium.randombytes_buf(32);
const { raw, canonical } = inszInputs(N);
// What the raw baseline MACs: the same bytes linkagePseudonym MACs, i.e.
// UTF-8(scheme) || 0x00 || UTF-8(canonical); libsodium UTF-8-encodes string messages.
const macInput = canonical.map((c) => `${SCHEME}\u0000${c}`);
const macInputBytes = BREAKDOWN ? macInput.map((m) => sodium.from_string(m)) : [];

// A sink the optimiser cannot drop: sums one char / byte of every output.
let sink = 0;

function fullPath(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = getScheme(SCHEME).validate(raw[i] as string);
    if (!v.ok) throw new Error(`generated INSZ refused: ${v.refusal.code}`);
    sink += linkagePseudonym(key, SCHEME, v.canonical).charCodeAt(7);
  }
}

function rawHmac(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    sink += sodium.crypto_auth_hmacsha256(macInput[i] as string, key)[7] as number;
  }
}

// Breakdown-only paths.
function validateOnly(from: number, to: number): void {
  const scheme = getScheme(SCHEME);
  for (let i = from; i < to; i++) {
    const v = scheme.validate(raw[i] as string);
    if (v.ok) sink += v.canonical.length;
  }
}
function pseudonymOnly(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    sink += linkagePseudonym(key, SCHEME, canonical[i] as string).charCodeAt(7);
  }
}
function validatePrototypeOneShot(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = getScheme(SCHEME).validate(raw[i] as string);
    if (!v.ok) throw new Error(`generated INSZ refused: ${v.refusal.code}`);
    sink += prototypeOneShot(key, SCHEME, v.canonical).charCodeAt(7);
  }
}
const precomputed = new PrecomputedHmac(key);
function validatePrototypePrecomputed(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = getScheme(SCHEME).validate(raw[i] as string);
    if (!v.ok) throw new Error(`generated INSZ refused: ${v.refusal.code}`);
    sink += precomputed.pseudonym(SCHEME, v.canonical).charCodeAt(7);
  }
}
function streamingHmacBytes(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const state = sodium.crypto_auth_hmacsha256_init(key);
    sodium.crypto_auth_hmacsha256_update(state, macInputBytes[i] as Uint8Array);
    sink += sodium.crypto_auth_hmacsha256_final(state)[7] as number;
  }
}
function rawHmacBytes(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    sink += sodium.crypto_auth_hmacsha256(macInputBytes[i] as Uint8Array, key)[7] as number;
  }
}

// Both paths must produce the same MAC before their speed means anything.
for (let i = 0; i < 1000; i++) {
  const v = getScheme(SCHEME).validate(raw[i] as string);
  const full = v.ok ? linkagePseudonym(key, SCHEME, v.canonical) : "refused";
  const base = sodium.to_hex(sodium.crypto_auth_hmacsha256(macInput[i] as string, key));
  if (full !== base) throw new Error(`paths disagree on input ${i}`);
  const c = canonical[i] as string;
  if (prototypeOneShot(key, SCHEME, c) !== base || precomputed.pseudonym(SCHEME, c) !== base) {
    throw new Error(`a prototype disagrees on input ${i}`);
  }
}

console.log(
  `bench:pseudonymise — ${fmt(N)} INSZ numbers (dotted / spaced / plain), ` +
    `warm-up ${fmt(WARMUP)} each, ${ROUNDS} rounds interleaved in chunks of ${fmt(CHUNK)}, node ${process.version}`,
);

const paths: [string, (from: number, to: number) => void][] = [
  ["full path: validate + linkagePseudonym", fullPath],
  ["raw libsodium crypto_auth_hmacsha256", rawHmac],
];
if (BREAKDOWN) {
  paths.push(
    ["  breakdown: validate only", validateOnly],
    ["  breakdown: linkagePseudonym only", pseudonymOnly],
    ["  breakdown: streaming HMAC init/update/final, bytes in", streamingHmacBytes],
    ["  breakdown: one-shot HMAC, bytes in", rawHmacBytes],
    ["  fix A: validate + encodeInto + one-shot HMAC (public API)", validatePrototypeOneShot],
    ["  fix B: validate + precomputed key state (low-level wasm)", validatePrototypePrecomputed],
  );
}

for (const [, fn] of paths) fn(0, WARMUP);

// Each round runs every path over all N inputs, interleaved chunk by chunk (alternating
// which path goes first), so a burst of load from elsewhere on the machine hits all
// paths alike instead of whichever happened to be running.
const rates = new Map<string, number[]>(paths.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const seconds = paths.map(() => 0);
  for (let from = 0, chunk = 0; from < N; from += CHUNK, chunk++) {
    const to = Math.min(N, from + CHUNK);
    const order = paths.map((_, i) => i);
    if ((chunk + round) % 2 === 1) order.reverse();
    for (const i of order) {
      const fn = paths[i]?.[1] as (from: number, to: number) => void;
      seconds[i] = (seconds[i] as number) + timeSeconds(() => fn(from, to));
    }
  }
  paths.forEach(([name], i) => {
    rates.get(name)?.push(N / (seconds[i] as number));
  });
}

const rateOf = (name: string) => median(rates.get(name) ?? []);
const full = rateOf(paths[0]?.[0] as string);
const base = rateOf(paths[1]?.[0] as string);
printTable(
  ["path", "ids/s (median)", "min", "max", "µs/id", "vs raw"],
  paths.map(([name]) => {
    const r = rates.get(name) ?? [];
    const m = median(r);
    return [
      name,
      fmt(m),
      fmt(Math.min(...r)),
      fmt(Math.max(...r)),
      (1e6 / m).toFixed(2),
      (m / base).toFixed(2),
    ];
  }),
);
const ratio = full / base;
const perRound = (rates.get(paths[0]?.[0] as string) ?? []).map(
  (r, i) => r / ((rates.get(paths[1]?.[0] as string) ?? [])[i] as number),
);
console.log(
  `per-round ratios: ${perRound.map((r) => r.toFixed(3)).join(", ")}   (sink ${sink % 997})`,
);
console.log(
  `RESULT pseudonymise: full path ${fmt(full)} ids/s vs raw HMAC ${fmt(base)} ids/s — ratio ${ratio.toFixed(2)} ` +
    `(goal ≥ ${GOAL}: ${ratio >= GOAL ? "met" : "NOT met"})`,
);
