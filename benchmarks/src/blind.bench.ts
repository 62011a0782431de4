/**
 * bench:blind — blind pseudonymisation (issue 10) against keyed-hash mode, same run, for
 * each ristretto255 backend of @kruispunt/blind (native: the Node-API binding over the
 * system libsodium; wasm: libsodium-wrappers-sumo), single-threaded and over a
 * `BlindWorkerPool` of BENCH_WORKERS (default: available parallelism) threads.
 *
 * Inputs: BENCH_N (4 000) FEBRL-shaped 7-digit identifiers (scheme `febrl-ssn`) from a
 * seeded rng, in batches of BENCH_BATCH (500), as the services process them.
 *
 * Keyed mode (the baseline): the agency seals each identifier with `BatchSealer`; the
 * pseudonymiser opens it with `BatchOpener`, validates it and computes
 * `linkagePseudonym` (HMAC-SHA-256). The linker does no crypto.
 *
 * Blind mode, per party:
 *   agency         `encryptIdentifiers`     HashToGroup, r·B (fixed base), r·PK, add
 *   pseudonymiser  `reshuffleCiphertexts`   k·c1, k·c2
 *   linker         `blindLinkagePseudonyms` x·c1, c2 − x·c1, HMAC-SHA-256
 * "whole path" is 1 / (sum of the three per-identifier times): all three parties' work
 * done by this machine. With the pool each party's batch is spread over the workers.
 *
 * Two clocks: wall time (what this loaded machine delivered) and process CPU time (all
 * threads). ids per CPU-second × cores is what the same code would deliver on an idle
 * machine with that many cores; it is printed as a projection, not a measurement.
 *
 * Per-operation costs: one batch call of BENCH_OP_N (1 000) operations per backend,
 * CPU µs per operation. BENCH_ROUNDS (3) rounds after a warm-up; within a round the paths
 * are interleaved batch by batch so that load from elsewhere hits all of them alike.
 * Keyed and blind pseudonyms are checked (equal identifiers ⇒ equal pseudonyms, pool ≡
 * synchronous, native ≡ wasm) before timing.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import {
  availableBlindBackends,
  type BlindBackendName,
  BlindWorkerPool,
  blindLinkagePseudonyms,
  blindReady,
  encryptIdentifiers,
  generateElGamalKeyPair,
  generateReshuffleScalar,
  reshuffleCiphertexts,
} from "@kruispunt/blind";
import { nativeBackend, type RistrettoBackend, wasmBackend } from "@kruispunt/blind/backend";
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
import { envInt, fmt, median, printTable, seededRng } from "./bench-util";

const N = envInt("BENCH_N", 4_000);
const BATCH = envInt("BENCH_BATCH", 500);
const ROUNDS = envInt("BENCH_ROUNDS", 3);
const OP_N = envInt("BENCH_OP_N", 1_000);
const WORKERS = envInt("BENCH_WORKERS", availableParallelism());

await cryptoReady();
await blindReady();
const backends = availableBlindBackends();

const rng = seededRng(10);
const ids = Array.from({ length: N }, () => String(1_000_000 + Math.floor(rng() * 9_000_000)));
const scheme = getScheme("febrl-ssn");
const ring = generateKeyring(["linkage", "seal"]);
const linkageKey = currentKey(ring, "linkage").key;
const sealPk = publicKeyOf(ring, "seal");
const sealSk = currentKey(ring, "seal").secretKey;
const linker = generateElGamalKeyPair();
const k = generateReshuffleScalar();
const blindKey = new Uint8Array(randomBytes(32));

const batches: { scheme: string; canonical: string }[][] = [];
for (let i = 0; i < N; i += BATCH) {
  batches.push(ids.slice(i, i + BATCH).map((canonical) => ({ scheme: "febrl-ssn", canonical })));
}

function keyedBatch(batch: readonly { canonical: string }[], offset: number): string[] {
  const sealer = new BatchSealer(sealPk, BATCH);
  const opener = new BatchOpener(sealPk, sealSk);
  const sealed = batch.map(({ canonical }, i) => sealer.seal(canonical, `alpha/ds/${offset + i}`));
  return sealed.map((v, i) => {
    const checked = scheme.validate(opener.open(v, `alpha/ds/${offset + i}`));
    if (!checked.ok) throw new Error("benchmark input refused");
    return linkagePseudonym(linkageKey, "febrl-ssn", checked.canonical);
  });
}

const pools = new Map<BlindBackendName, BlindWorkerPool>();
for (const b of backends) pools.set(b, await BlindWorkerPool.start({ size: WORKERS, backend: b }));

// Correctness first: equal identifiers ⇒ equal pseudonyms; pool ≡ synchronous; backends agree.
{
  const sample = [ids[0], ids[1], ids[0]].map((canonical) => ({
    scheme: "febrl-ssn",
    canonical: canonical as string,
  }));
  const keyed = keyedBatch(sample, 0);
  if (keyed[0] !== keyed[2] || keyed[0] === keyed[1]) throw new Error("keyed path is wrong");
  const seen = new Set<string>();
  for (const b of backends) {
    await blindReady({ backend: b });
    const cts = encryptIdentifiers(linker.publicKey, sample);
    const sync = blindLinkagePseudonyms(linker.secretKey, blindKey, reshuffleCiphertexts(k, cts));
    const pool = pools.get(b) as BlindWorkerPool;
    const pooled = await pool.blindLinkagePseudonyms(
      linker.secretKey,
      blindKey,
      await pool.reshuffleCiphertexts(k, await pool.encryptIdentifiers(linker.publicKey, sample)),
    );
    if (sync[0] !== sync[2] || sync[0] === sync[1]) throw new Error(`blind path (${b}) is wrong`);
    if (pooled.join() !== sync.join()) throw new Error(`pool (${b}) differs from synchronous`);
    seen.add(sync.join());
  }
  if (seen.size !== 1) throw new Error("native and wasm backends disagree");
}

/** Wall and CPU (all threads) seconds. */
interface Clock {
  wall: number;
  cpu: number;
}
function clockNow(): Clock {
  const u = process.cpuUsage();
  return { wall: Number(process.hrtime.bigint()) / 1e9, cpu: (u.user + u.system) / 1e6 };
}
function add(into: Clock, since: Clock): void {
  const t = clockNow();
  into.wall += t.wall - since.wall;
  into.cpu += t.cpu - since.cpu;
}

const parties = ["agency", "pseudonymiser", "linker"] as const;
type Party = (typeof parties)[number];
const paths = ["keyed", ...backends.flatMap((b) => [`${b}`, `${b}+pool`])];
type Times = Record<string, Record<Party, Clock>>;

function zero(): Record<Party, Clock> {
  return {
    agency: { wall: 0, cpu: 0 },
    pseudonymiser: { wall: 0, cpu: 0 },
    linker: { wall: 0, cpu: 0 },
  };
}

async function round(count: number): Promise<Times> {
  const t: Times = Object.fromEntries(paths.map((p) => [p, zero()]));
  for (const [i, batch] of batches.slice(0, count).entries()) {
    let start = clockNow();
    keyedBatch(batch, i * BATCH);
    add((t.keyed as Record<Party, Clock>).pseudonymiser, start);
    for (const b of backends) {
      await blindReady({ backend: b });
      const s = t[b] as Record<Party, Clock>;
      start = clockNow();
      const cts = encryptIdentifiers(linker.publicKey, batch);
      add(s.agency, start);
      start = clockNow();
      const shuffled = reshuffleCiphertexts(k, cts);
      add(s.pseudonymiser, start);
      start = clockNow();
      blindLinkagePseudonyms(linker.secretKey, blindKey, shuffled);
      add(s.linker, start);

      const pool = pools.get(b) as BlindWorkerPool;
      const p = t[`${b}+pool`] as Record<Party, Clock>;
      start = clockNow();
      const pcts = await pool.encryptIdentifiers(linker.publicKey, batch);
      add(p.agency, start);
      start = clockNow();
      const pshuffled = await pool.reshuffleCiphertexts(k, pcts);
      add(p.pseudonymiser, start);
      start = clockNow();
      await pool.blindLinkagePseudonyms(linker.secretKey, blindKey, pshuffled);
      add(p.linker, start);
    }
  }
  return t;
}

await round(1); // warm-up
const runs: Times[] = [];
for (let r = 0; r < ROUNDS; r++) runs.push(await round(batches.length));
for (const pool of pools.values()) await pool.close();

const total = (c: Record<Party, Clock>, clock: keyof Clock) =>
  parties.reduce((sum, p) => sum + c[p][clock], 0);
/** Median over rounds of ids/s for `pick(times)` seconds. */
const rate = (pick: (t: Times) => number) => median(runs.map((t) => N / pick(t)));
const keyedWall = rate((t) => total(t.keyed as Record<Party, Clock>, "wall"));
const keyedCpu = rate((t) => total(t.keyed as Record<Party, Clock>, "cpu"));

const rows: string[][] = [];
const row = (name: string, wall: number, cpu: number) => [
  name,
  fmt(wall),
  fmt(cpu),
  fmt(1e6 / cpu, 1),
  (wall / keyedWall).toFixed(4),
];
rows.push(row("keyed: seal + open + validate + HMAC", keyedWall, keyedCpu));
const wholeWall = new Map<string, number>();
const wholeCpu = new Map<string, number>();
for (const path of paths.slice(1)) {
  const of = (t: Times) => t[path] as Record<Party, Clock>;
  for (const p of parties) {
    rows.push(
      row(
        `${path} ${p}`,
        rate((t) => of(t)[p].wall),
        rate((t) => of(t)[p].cpu),
      ),
    );
  }
  const w = rate((t) => total(of(t), "wall"));
  const c = rate((t) => total(of(t), "cpu"));
  wholeWall.set(path, w);
  wholeCpu.set(path, c);
  rows.push(row(`${path} WHOLE PATH`, w, c));
}
console.log(
  `bench:blind — ${fmt(N)} identifiers, batches of ${BATCH}, ${ROUNDS} rounds, pool of ${WORKERS} workers, ${availableParallelism()} cores`,
);
printTable(["path / party", "ids/s wall", "ids/CPU-s", "CPU µs/id", "wall vs keyed"], rows);

// Per-operation CPU cost, one batch call of OP_N per backend.
function perOp(fn: () => number): number {
  fn();
  const start = clockNow();
  if (fn() >= 0) throw new Error("benchmark operation failed");
  const since: Clock = { wall: 0, cpu: 0 };
  add(since, start);
  return (since.cpu / OP_N) * 1e6;
}
const opRows: string[][] = [];
const impls: RistrettoBackend[] = [wasmBackend(), nativeBackend()].filter(
  (b): b is RistrettoBackend => b !== null,
);
const scalars = new Uint8Array(32 * OP_N);
wasmBackend().scalarReduce(scalars, new Uint8Array(randomBytes(64 * OP_N)));
const points = new Uint8Array(32 * OP_N);
wasmBackend().scalarMultBase(points, scalars);
const uniform = new Uint8Array(randomBytes(64 * OP_N));
const perOpCost = new Map<string, number>();
for (const b of impls) {
  const out = new Uint8Array(32 * OP_N);
  const varBase = perOp(() => b.scalarMult(out, k, points));
  const fixedBase = perOp(() => b.scalarMultBase(out, scalars));
  const fromHash = perOp(() => b.fromHash(out, uniform));
  const valid = perOp(() => b.isValidPoint(points));
  perOpCost.set(b.name, varBase);
  opRows.push([b.name, fmt(varBase, 1), fmt(fixedBase, 1), fmt(fromHash, 1), fmt(valid, 1)]);
}
// Reference only: sodium-native (prebuilt) has no ristretto255 function; its Ed25519
// variable-base multiplication (the curve ristretto255 is built on) shows what a prebuilt
// native libsodium does per operation, one JavaScript call each.
interface SodiumNative {
  crypto_scalarmult_ed25519_noclamp(q: Buffer, n: Buffer, p: Buffer): void;
  crypto_scalarmult_ed25519_base_noclamp(q: Buffer, n: Buffer): void;
}
const sodiumNative = createRequire(import.meta.url)("sodium-native") as SodiumNative &
  Record<string, unknown>;
{
  const q = Buffer.alloc(32);
  const n = Buffer.from(k);
  const p = Buffer.alloc(32);
  sodiumNative.crypto_scalarmult_ed25519_base_noclamp(p, n);
  const loop = (fn: () => void) =>
    perOp(() => {
      for (let i = 0; i < OP_N; i++) fn();
      return -1;
    });
  const ed = loop(() => sodiumNative.crypto_scalarmult_ed25519_noclamp(q, n, p));
  const edBase = loop(() => sodiumNative.crypto_scalarmult_ed25519_base_noclamp(q, n));
  const rist = Object.keys(sodiumNative).filter((f) => f.includes("ristretto255")).length;
  opRows.push([
    `sodium-native ed25519 (${rist} ristretto255 fns)`,
    fmt(ed, 1),
    fmt(edBase, 1),
    "—",
    "—",
  ]);
}
console.log("");
printTable(
  ["backend (CPU µs per op)", "k·P (variable)", "r·B (fixed base)", "from_hash", "is_valid"],
  opRows,
);

const best = backends[0] as BlindBackendName;
const poolWall = wholeWall.get(`${best}+pool`) as number;
const projected = (wholeCpu.get(`${best}+pool`) as number) * availableParallelism();
console.log(
  `RESULT blind: whole path ${fmt(poolWall)} ids/s wall (${best}, pool of ${WORKERS}; one core ${fmt(wholeWall.get(best) as number)}), ` +
    `${fmt(projected)} ids/s projected on ${availableParallelism()} idle cores, vs keyed ${fmt(keyedWall)} ids/s ` +
    `(goal ≥ 20 000: ${poolWall >= 20_000 ? "met" : "NOT met"}); variable-base scalar multiplication ${fmt(perOpCost.get(best) as number, 1)} µs CPU`,
);
