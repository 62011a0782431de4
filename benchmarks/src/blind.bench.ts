/**
 * bench:blind — blind pseudonymisation (issue 10) against keyed-hash mode, same run.
 *
 * Inputs: BENCH_N (6 000) FEBRL-shaped 7-digit identifiers (scheme `febrl-ssn`) from a
 * seeded rng, in batches of BENCH_BATCH (500), as the services process them.
 *
 * Keyed mode (the baseline): the agency seals each identifier with `BatchSealer`; the
 * pseudonymiser opens it with `BatchOpener`, validates it and computes
 * `linkagePseudonym` (HMAC-SHA-256). The linker does no crypto.
 *
 * Blind mode, per party (@kruispunt/blind, libsodium-wrappers-sumo wasm):
 *   agency         `encryptIdentifiers`     HashToGroup + r·B + r·PK + add
 *   pseudonymiser  `reshuffleCiphertexts`   k·c1, k·c2
 *   linker         `blindLinkagePseudonyms` x·c1, c2 − x·c1, HMAC-SHA-256
 * "whole path, one core" is 1 / (sum of the three per-identifier times); "whole path,
 * pipelined" is the slowest party's rate (the parties run on their own machines).
 *
 * Backend comparison: sodium-native 5.1.0 (prebuilt, loads on Node 20) exposes no
 * ristretto255 function at all, so @kruispunt/blind cannot use it. To show what a native
 * build would buy, the same variable-base scalar multiplication on the Ed25519 curve
 * (`crypto_scalarmult_ed25519_noclamp`, which ristretto255 is built on) is timed in both
 * libsodium builds beside the wasm ristretto255 one.
 *
 * BENCH_ROUNDS (3) rounds after a warm-up; within a round the paths are interleaved batch
 * by batch so that load from elsewhere on the machine hits all of them alike. Keyed and
 * blind pseudonyms are checked (equal identifiers ⇒ equal pseudonyms) before timing.
 */
import { createRequire } from "node:module";
import {
  blindLinkagePseudonyms,
  blindReady,
  encryptIdentifiers,
  generateElGamalKeyPair,
  generateReshuffleScalar,
  reshuffleCiphertexts,
} from "@kruispunt/blind";
import {
  BatchOpener,
  BatchSealer,
  cryptoReady,
  currentKey,
  generateKeyring,
  linkagePseudonym,
  publicKeyOf,
} from "@kruispunt/crypto";
import { getScheme } from "@kruispunt/identifiers";
import sodium from "libsodium-wrappers-sumo";
import { envInt, fmt, median, printTable, seededRng } from "./bench-util";

const N = envInt("BENCH_N", 6_000);
const BATCH = envInt("BENCH_BATCH", 500);
const ROUNDS = envInt("BENCH_ROUNDS", 3);
const SCALAR_N = envInt("BENCH_SCALAR_N", 2_000);

await sodium.ready;
await cryptoReady();
await blindReady();

interface SodiumNative {
  crypto_scalarmult_ed25519_noclamp(q: Buffer, n: Buffer, p: Buffer): void;
  crypto_scalarmult_ed25519_base_noclamp(q: Buffer, n: Buffer): void;
  crypto_core_ed25519_scalar_random(r: Buffer): void;
}
const native = createRequire(import.meta.url)("sodium-native") as SodiumNative &
  Record<string, unknown>;

const rng = seededRng(10);
const ids = Array.from({ length: N }, () => String(1_000_000 + Math.floor(rng() * 9_000_000)));
const scheme = getScheme("febrl-ssn");
const ring = generateKeyring(["linkage", "seal"]);
const linkageKey = currentKey(ring, "linkage").key;
const sealPk = publicKeyOf(ring, "seal");
const sealSk = currentKey(ring, "seal").secretKey;
const linker = generateElGamalKeyPair();
const k = generateReshuffleScalar();
const blindKey = sodium.randombytes_buf(32);

const batches: string[][] = [];
for (let i = 0; i < N; i += BATCH) batches.push(ids.slice(i, i + BATCH));

function keyedBatch(batch: string[], offset: number): string[] {
  const sealer = new BatchSealer(sealPk, BATCH);
  const opener = new BatchOpener(sealPk, sealSk);
  const sealed = batch.map((id, i) => sealer.seal(id, `alpha/ds/${offset + i}`));
  return sealed.map((v, i) => {
    const checked = scheme.validate(opener.open(v, `alpha/ds/${offset + i}`));
    if (!checked.ok) throw new Error("benchmark input refused");
    return linkagePseudonym(linkageKey, "febrl-ssn", checked.canonical);
  });
}

// Correctness first: equal identifiers give equal pseudonyms in both modes.
{
  const sample = [ids[0] as string, ids[1] as string, ids[0] as string];
  const keyed = keyedBatch(sample, 0);
  const cts = encryptIdentifiers(
    linker.publicKey,
    sample.map((canonical) => ({ scheme: "febrl-ssn", canonical })),
  );
  const blind = blindLinkagePseudonyms(linker.secretKey, blindKey, reshuffleCiphertexts(k, cts));
  if (keyed[0] !== keyed[2] || keyed[0] === keyed[1]) throw new Error("keyed path is wrong");
  if (blind[0] !== blind[2] || blind[0] === blind[1]) throw new Error("blind path is wrong");
}

type Phase = "keyed" | "agency" | "pseudonymiser" | "linker";
const phases: Phase[] = ["keyed", "agency", "pseudonymiser", "linker"];

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function round(count: number): Record<Phase, number> {
  const t: Record<Phase, number> = { keyed: 0, agency: 0, pseudonymiser: 0, linker: 0 };
  batches.slice(0, count).forEach((batch, b) => {
    let start = now();
    keyedBatch(batch, b * BATCH);
    t.keyed += now() - start;
    start = now();
    const cts = encryptIdentifiers(
      linker.publicKey,
      batch.map((canonical) => ({ scheme: "febrl-ssn", canonical })),
    );
    t.agency += now() - start;
    start = now();
    const shuffled = reshuffleCiphertexts(k, cts);
    t.pseudonymiser += now() - start;
    start = now();
    blindLinkagePseudonyms(linker.secretKey, blindKey, shuffled);
    t.linker += now() - start;
  });
  return t;
}

round(1); // warm-up
const rates: Record<Phase | "serial" | "pipelined", number[]> = {
  keyed: [],
  agency: [],
  pseudonymiser: [],
  linker: [],
  serial: [],
  pipelined: [],
};
for (let r = 0; r < ROUNDS; r++) {
  const t = round(batches.length);
  for (const p of phases) rates[p].push(N / t[p]);
  rates.serial.push(N / (t.agency + t.pseudonymiser + t.linker));
  rates.pipelined.push(N / Math.max(t.agency, t.pseudonymiser, t.linker));
}

const keyedRate = median(rates.keyed);
const row = (name: string, values: number[]) => {
  const m = median(values);
  return [
    name,
    fmt(m),
    fmt(Math.min(...values)),
    fmt(Math.max(...values)),
    fmt(1e6 / m, 1),
    (m / keyedRate).toFixed(4),
  ];
};
console.log(`bench:blind — ${fmt(N)} identifiers, batches of ${BATCH}, ${ROUNDS} rounds`);
printTable(
  ["path", "ids/s (median)", "min", "max", "µs/id", "vs keyed"],
  [
    row("keyed mode: seal + open + validate + HMAC", rates.keyed),
    row("blind agency: encryptIdentifiers", rates.agency),
    row("blind pseudonymiser: reshuffleCiphertexts", rates.pseudonymiser),
    row("blind linker: decrypt + HMAC", rates.linker),
    row("blind whole path, one core", rates.serial),
    row("blind whole path, pipelined (slowest party)", rates.pipelined),
  ],
);

// Backend comparison: one variable-base scalar multiplication.
function perOp(fn: () => void, n: number): number {
  fn();
  const start = now();
  for (let i = 0; i < n; i++) fn();
  return ((now() - start) / n) * 1e6;
}
const scalar = sodium.crypto_core_ed25519_scalar_random();
const edPoint = sodium.crypto_scalarmult_ed25519_base_noclamp(scalar);
const ristPoint = sodium.crypto_scalarmult_ristretto255_base(k);
const nScalar = Buffer.from(scalar);
const nPoint = Buffer.from(edPoint);
const nOut = Buffer.alloc(32);
const wasmRist = perOp(() => sodium.crypto_scalarmult_ristretto255(k, ristPoint), SCALAR_N);
const wasmEd = perOp(() => sodium.crypto_scalarmult_ed25519_noclamp(scalar, edPoint), SCALAR_N);
const nativeEd = perOp(
  () => native.crypto_scalarmult_ed25519_noclamp(nOut, nScalar, nPoint),
  SCALAR_N,
);
if (!Buffer.from(sodium.crypto_scalarmult_ed25519_noclamp(scalar, edPoint)).equals(nOut)) {
  throw new Error("wasm and native Ed25519 scalar multiplication disagree");
}
const nativeRistretto = Object.keys(native).filter((name) => name.includes("ristretto255"));
console.log("");
printTable(
  ["one variable-base scalar multiplication", "µs", "vs wasm ristretto255"],
  [
    ["libsodium-wrappers-sumo (wasm) ristretto255", fmt(wasmRist, 1), "1.00"],
    [
      "libsodium-wrappers-sumo (wasm) ed25519_noclamp",
      fmt(wasmEd, 1),
      (wasmRist / wasmEd).toFixed(2),
    ],
    [
      "sodium-native 5.1.0 (native) ed25519_noclamp",
      fmt(nativeEd, 1),
      (wasmRist / nativeEd).toFixed(2),
    ],
  ],
);
console.log(
  `sodium-native ristretto255 functions: ${nativeRistretto.length} (so @kruispunt/blind uses wasm)`,
);
const whole = median(rates.serial);
console.log(
  `RESULT blind: whole path ${fmt(whole)} ids/s on one core, ${fmt(median(rates.pipelined))} ids/s pipelined, vs keyed ${fmt(keyedRate)} ids/s (goal ≥ 20 000: ${whole >= 20_000 ? "met" : "NOT met"})`,
);
