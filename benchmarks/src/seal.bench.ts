/**
 * bench:seal — the Kafka intake path choice (issue 3, item 5): how an agency that
 * produces straight to Kafka should seal identifiers to the pseudonymiser's public key.
 *
 * (a) per value: `crypto_box_seal(identifier, pk)`; the pseudonymiser runs
 *     `crypto_box_seal_open` per value (one X25519 key agreement on each side per value).
 * (b) per batch of BENCH_BATCH (500) values: a random 32-byte batch key sealed once with
 *     `crypto_box_seal`, each value encrypted with XChaCha20-Poly1305
 *     (`crypto_aead_xchacha20poly1305_ietf_encrypt`) under that key with a random 24-byte
 *     nonce stored beside it, and the record reference as associated data (so a value
 *     cannot be moved to another record); the pseudonymiser opens the key once per batch.
 *     Two rows: batch key and nonces from libsodium's `randombytes_buf` (which in the
 *     wasm build calls back into JavaScript once per byte, ~6 µs each), and from Node's
 *     CSPRNG (`crypto.randomFillSync`, one draw per batch for all its nonces).
 * (b') as (b) but with the value's index in the batch as nonce (safe because every batch
 *     key is fresh), so no nonce travels: 24 bytes less per value.
 *
 * Throughput counts seal + open of every value (raw libsodium, binary ciphertexts, plus
 * UTF-8 encoding and decoding of the identifier) over BENCH_N (200 000) INSZ numbers in
 * mixed written forms. The two slow methods (a) and (b, libsodium RNG) cost ~0.2–0.7 ms
 * per value, so to stay within ~2 minutes they run on the first BENCH_N_SLOW (20 000) of
 * those values; rates are per value either way. BENCH_ROUNDS (3) rounds after a warm-up,
 * the methods interleaved in 20 chunks per round so load from elsewhere on the machine
 * hits all of them alike. Every opened value is checked against its input.
 */
import { randomFillSync } from "node:crypto";
import sodium from "libsodium-wrappers-sumo";
import { envInt, fmt, inszInputs, median, printTable } from "./bench-util";

const N = envInt("BENCH_N", 200_000);
const BATCH = envInt("BENCH_BATCH", 500);
const ROUNDS = envInt("BENCH_ROUNDS", 3);
const N_SLOW = Math.min(N, envInt("BENCH_N_SLOW", 20_000));
const CHUNKS = 20;

await sodium.ready;

const { publicKey, privateKey } = sodium.crypto_box_keypair();
const { raw } = inszInputs(N, 7);
const plain = raw.map((r) => sodium.from_string(r));
const ad = raw.map((_, i) => sodium.from_string(`agency-alpha/dataset-1/record-${i}`));
const plainBytes = plain.reduce((sum, p) => sum + p.length, 0);
const NONCE = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

interface Sealed {
  /** Ciphertext per value (for (b) and (b'): nonce-prefixed where a nonce travels). */
  values: Uint8Array[];
  /** Per-batch sealed keys ((b) and (b') only). */
  batchKeys: Uint8Array[];
}

interface Method {
  name: string;
  short: string;
  /** How many of the values this method seals and opens per round. */
  n: number;
  seal(from: number, to: number, out: Sealed): void;
  open(from: number, to: number, sealed: Sealed): void;
}

function check(i: number, opened: Uint8Array): void {
  if (sodium.to_string(opened) !== raw[i]) throw new Error(`value ${i} did not round-trip`);
}

function counterNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(NONCE);
  new DataView(nonce.buffer).setUint32(0, index, true);
  return nonce;
}

const perValue: Method = {
  name: "(a) crypto_box_seal per value",
  short: "a",
  n: N_SLOW,
  seal(from, to, out) {
    for (let i = from; i < to; i++) {
      out.values[i] = sodium.crypto_box_seal(plain[i] as Uint8Array, publicKey);
    }
  },
  open(from, to, sealed) {
    for (let i = from; i < to; i++) {
      check(i, sodium.crypto_box_seal_open(sealed.values[i] as Uint8Array, publicKey, privateKey));
    }
  },
};

type NonceSource = "libsodium" | "node" | "counter";

function batchMethod(name: string, short: string, n: number, nonces: NonceSource): Method {
  const travels = nonces !== "counter";
  const freshKey = (): Uint8Array => {
    if (nonces === "libsodium") return sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
    return randomFillSync(new Uint8Array(32));
  };
  return {
    name,
    short,
    n,
    seal(from, to, out) {
      for (let start = from; start < to; start += BATCH) {
        const end = Math.min(to, start + BATCH);
        const key = freshKey();
        out.batchKeys[start / BATCH] = sodium.crypto_box_seal(key, publicKey);
        const bulk = nonces === "node" ? randomFillSync(new Uint8Array(NONCE * BATCH)) : undefined;
        for (let i = start; i < end; i++) {
          const j = i - start;
          const nonce =
            nonces === "libsodium"
              ? sodium.randombytes_buf(NONCE)
              : bulk
                ? bulk.subarray(j * NONCE, (j + 1) * NONCE)
                : counterNonce(j);
          const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
            plain[i] as Uint8Array,
            ad[i] as Uint8Array,
            null,
            nonce,
            key,
          );
          if (travels) {
            const value = new Uint8Array(NONCE + ct.length);
            value.set(nonce, 0);
            value.set(ct, NONCE);
            out.values[i] = value;
          } else {
            out.values[i] = ct;
          }
        }
        sodium.memzero(key);
      }
    },
    open(from, to, sealed) {
      for (let start = from; start < to; start += BATCH) {
        const key = sodium.crypto_box_seal_open(
          sealed.batchKeys[start / BATCH] as Uint8Array,
          publicKey,
          privateKey,
        );
        for (let i = start; i < Math.min(to, start + BATCH); i++) {
          const value = sealed.values[i] as Uint8Array;
          const nonce = travels ? value.subarray(0, NONCE) : counterNonce(i - start);
          const ct = travels ? value.subarray(NONCE) : value;
          check(
            i,
            sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
              null,
              ct,
              ad[i] as Uint8Array,
              nonce,
              key,
            ),
          );
        }
        sodium.memzero(key);
      }
    },
  };
}

const methods: Method[] = [
  perValue,
  batchMethod(
    "(b) batch key + XChaCha20-Poly1305, nonce: libsodium RNG",
    "b/libsodium-rng",
    N_SLOW,
    "libsodium",
  ),
  batchMethod("(b) batch key + XChaCha20-Poly1305, nonce: node:crypto", "b/node-rng", N, "node"),
  batchMethod("(b') batch key + XChaCha20-Poly1305, nonce: counter", "b'/counter", N, "counter"),
];

console.log(
  `bench:seal — ${fmt(N)} INSZ numbers (mixed written forms, ${(plainBytes / N).toFixed(1)} bytes avg), ` +
    `batches of ${BATCH}, ${ROUNDS} rounds interleaved, node ${process.version}; ` +
    `(a) and (b, libsodium RNG) on the first ${fmt(N_SLOW)}`,
);

const sealedBy = methods.map(
  (): Sealed => ({ values: new Array(N), batchKeys: new Array(Math.ceil(N / BATCH)) }),
);

// Chunk boundaries per method: CHUNKS chunks of whole batches.
function bounds(n: number): [number, number][] {
  const per = Math.max(1, Math.ceil(n / BATCH / CHUNKS)) * BATCH;
  const out: [number, number][] = [];
  for (let from = 0; from < n; from += per) out.push([from, Math.min(n, from + per)]);
  return out;
}
const chunksOf = methods.map((m) => bounds(m.n));

// Warm-up: seal and open the first chunk with every method.
methods.forEach((m, k) => {
  const [from, to] = chunksOf[k]?.[0] as [number, number];
  m.seal(from, to, sealedBy[k] as Sealed);
  m.open(from, to, sealedBy[k] as Sealed);
});

const sealRates = methods.map((): number[] => []);
const openRates = methods.map((): number[] => []);
const bothRates = methods.map((): number[] => []);
for (let round = 0; round < ROUNDS; round++) {
  const sealSec = methods.map(() => 0);
  const openSec = methods.map(() => 0);
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    const order = methods.map((_, k) => k);
    if ((chunk + round) % 2 === 1) order.reverse();
    for (const k of order) {
      const range = chunksOf[k]?.[chunk];
      if (!range) continue;
      const m = methods[k] as Method;
      const sealed = sealedBy[k] as Sealed;
      let t = process.hrtime.bigint();
      m.seal(range[0], range[1], sealed);
      sealSec[k] = (sealSec[k] as number) + Number(process.hrtime.bigint() - t) / 1e9;
      t = process.hrtime.bigint();
      m.open(range[0], range[1], sealed);
      openSec[k] = (openSec[k] as number) + Number(process.hrtime.bigint() - t) / 1e9;
    }
  }
  methods.forEach((m, k) => {
    sealRates[k]?.push(m.n / (sealSec[k] as number));
    openRates[k]?.push(m.n / (openSec[k] as number));
    bothRates[k]?.push(m.n / ((sealSec[k] as number) + (openSec[k] as number)));
  });
}

const plainAvg = methods.map(
  (m) => plain.slice(0, m.n).reduce((sum, p) => sum + p.length, 0) / m.n,
);
const bytesPerValue = methods.map((m, k) => {
  const s = sealedBy[k] as Sealed;
  const values = s.values.slice(0, m.n).reduce((sum, v) => sum + v.length, 0);
  const keys = s.batchKeys.reduce((sum, v) => sum + v.length, 0);
  return (values + keys) / m.n;
});
const both = bothRates.map((r) => median(r));
printTable(
  [
    "method",
    "values",
    "seal values/s",
    "open values/s",
    "seal+open values/s",
    "bytes/value",
    "overhead",
  ],
  methods.map((m, k) => [
    m.name,
    fmt(m.n),
    fmt(median(sealRates[k] ?? [])),
    fmt(median(openRates[k] ?? [])),
    fmt(both[k] as number),
    (bytesPerValue[k] as number).toFixed(2),
    `+${((bytesPerValue[k] as number) - (plainAvg[k] as number)).toFixed(2)}`,
  ]),
);
console.log(
  `bytes/value: binary ciphertext incl. a travelling nonce and the batch's sealed key ` +
    `(80 B / ${BATCH} values); overhead = bytes/value − plaintext (${(plainBytes / N).toFixed(2)} B avg).`,
);
console.log(
  `per-round seal+open values/s: ${methods
    .map((m, k) => `${m.short} ${(bothRates[k] ?? []).map((r) => fmt(r)).join(" / ")}`)
    .join("; ")}`,
);
const [a, bSodium, b, bCounter] = both as [number, number, number, number];
console.log(
  `RESULT seal: sealed batch key + XChaCha20-Poly1305 (nonces from node:crypto) ${fmt(b)} values/s vs ` +
    `crypto_box_seal per value ${fmt(a)} values/s — batch wins ${(b / a).toFixed(0)}× ` +
    `(counter nonce ${(bCounter / a).toFixed(0)}×, libsodium-RNG nonces only ${(bSodium / a).toFixed(1)}×); ` +
    `${(bytesPerValue[2] as number).toFixed(1)} vs ${(bytesPerValue[0] as number).toFixed(1)} bytes/value ` +
    `(counter nonce ${(bytesPerValue[3] as number).toFixed(1)})`,
);
