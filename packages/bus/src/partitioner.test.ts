import { createRequire } from "node:module";
import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { keyPartitioner, murmur2 } from "./partitioner";

// kafkajs' own murmur2 (64-bit Long arithmetic), the reference.
const reference = createRequire(import.meta.url)(
  "kafkajs/src/producer/partitioners/default/murmur2",
) as (key: Buffer | string) => number;

/** Deterministic keys: every length 0–64, ASCII, multi-byte UTF-8, all byte values. */
function keys(): Buffer[] {
  const out: Buffer[] = [];
  let seed = 7;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 16;
  };
  for (let length = 0; length <= 64; length++)
    for (let n = 0; n < 40; n++) out.push(Buffer.from(Array.from({ length }, () => next() & 255)));
  for (let i = 0; i < 2000; i++)
    out.push(Buffer.from(`bench/synthetic/r${i}-a-${String(i).padStart(7, "0")}`));
  out.push(Buffer.from("alpha/persons/Zoë-李-😀"));
  return out;
}

describe("keyPartitioner", () => {
  it("hashes every key as kafkajs' murmur2 does", () => {
    for (const key of keys()) expect(murmur2(key)).toBe(reference(key));
  });

  it("puts every keyed message on the partition kafkajs' DefaultPartitioner chose", () => {
    const ours = keyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const count of [1, 2, 3, 4, 7, 12]) {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      }));
      for (const key of keys()) {
        for (const message of [
          { key, value: null },
          { key: key.toString("latin1"), value: null },
        ]) {
          const args = { topic: "records.intake", partitionMetadata, message };
          expect(ours(args)).toBe(theirs(args));
        }
      }
    }
  });

  it("keeps a message's own partition", () => {
    const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    const message = { key: "a/b/c", value: null, partition: 2 };
    expect(keyPartitioner()({ topic: "t", partitionMetadata, message })).toBe(2);
  });
});
