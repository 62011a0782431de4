/**
 * bench:dice — Dice comparisons per second on one core (issue 5, Speed): the WebAssembly
 * kernel with `i64.popcnt` against the plain-JavaScript SWAR popcount, same run.
 *
 * Inputs: BENCH_N (5 000) queries × BENCH_N candidates, 1 024-bit encodings (32 words)
 * from a seeded rng with each bit set with probability 0.3 (about the fill of a CLK of
 * names and a date of birth). Both paths use `createDiceBatch` (@kruispunt/dice) with
 * precomputed candidate popcounts, one query against all candidates at a time into one
 * Float64Array, as the linker scores a block. The two backends are checked to give
 * identical scores first.
 *
 * BENCH_ROUNDS (3) rounds after a warm-up; within a round the backends alternate every
 * BENCH_CHUNK (250) queries so that load from elsewhere on the machine hits both alike.
 * One process is one core (Node runs this on its main thread only).
 */
import { createDiceBatch, type DiceBackend, popcount } from "@kruispunt/dice";
import { envInt, fmt, median, printTable, seededRng } from "./bench-util";

const N = envInt("BENCH_N", 5_000);
const ROUNDS = envInt("BENCH_ROUNDS", 3);
const CHUNK = envInt("BENCH_CHUNK", 250);
const WORDS = 32;
const GOAL = 80e6;

/** `n` random encodings of WORDS words, each bit set with probability `fill`. */
function encodings(n: number, seed: number, fill = 0.3): Uint32Array {
  const rng = seededRng(seed);
  const out = new Uint32Array(n * WORDS);
  for (let i = 0; i < out.length; i++) {
    let w = 0;
    for (let b = 0; b < 32; b++) if (rng() < fill) w |= 1 << b;
    out[i] = w >>> 0;
  }
  return out;
}

const queries = encodings(N, 1);
const candidates = encodings(N, 2);
const queryPops = Array.from({ length: N }, (_, q) => popcount(queries, q * WORDS, WORDS));
const backends: DiceBackend[] = ["wasm", "js"];
const batches = {
  wasm: createDiceBatch(candidates, WORDS, "wasm"),
  js: createDiceBatch(candidates, WORDS, "js"),
};
const out = new Float64Array(N);
let sink = 0;

function run(backend: DiceBackend, from: number, to: number): number {
  const batch = batches[backend];
  const start = process.hrtime.bigint();
  for (let q = from; q < to; q++) {
    batch.score(queries.subarray(q * WORDS, (q + 1) * WORDS), out, 0, N, queryPops[q]);
    sink += out[q % N] as number;
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// Correctness first: both backends give the same scores for a few queries.
{
  const other = new Float64Array(N);
  for (const q of [0, 1, N - 1]) {
    const query = queries.subarray(q * WORDS, (q + 1) * WORDS);
    batches.wasm.score(query, out);
    batches.js.score(query, other);
    if (out.some((v, i) => v !== other[i])) throw new Error(`backends disagree on query ${q}`);
  }
}

run("wasm", 0, Math.min(N, 500));
run("js", 0, Math.min(N, 200));

const rates: Record<DiceBackend, number[]> = { wasm: [], js: [] };
const ratios: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const seconds: Record<DiceBackend, number> = { wasm: 0, js: 0 };
  for (let from = 0; from < N; from += CHUNK) {
    const to = Math.min(N, from + CHUNK);
    for (const b of r % 2 === 0 ? backends : [...backends].reverse())
      seconds[b] += run(b, from, to);
  }
  for (const b of backends) rates[b].push((N * N) / seconds[b]);
  ratios.push((rates.wasm.at(-1) as number) / (rates.js.at(-1) as number));
}

const wasm = median(rates.wasm);
const js = median(rates.js);
printTable(
  ["backend", "comparisons/s (median)", "min", "max", "ns/comparison", "vs js"],
  backends.map((b) => [
    b === "wasm" ? "wasm i64.popcnt" : "plain JS SWAR popcount",
    fmt(median(rates[b])),
    fmt(Math.min(...rates[b])),
    fmt(Math.max(...rates[b])),
    (1e9 / median(rates[b])).toFixed(2),
    (median(rates[b]) / js).toFixed(2),
  ]),
);
console.log(
  `per-round ratios: ${ratios.map((x) => x.toFixed(2)).join(", ")} (checksum ${sink.toFixed(3)})`,
);
console.log(
  `RESULT dice: wasm ${fmt(wasm / 1e6, 1)}M comparisons/s vs plain JS ${fmt(js / 1e6, 1)}M/s on one core — ratio ${(wasm / js).toFixed(2)} (goal 80M/s: ${wasm >= GOAL ? "met" : "not met"})`,
);
