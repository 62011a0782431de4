/**
 * Encoding a record's quasi-identifiers: normalise each schema field, build its
 * keyed Bloom filter (bloom.ts) and the record's keyed blocking keys (blocking.ts).
 * Runs only where the raw values are: in the pseudonymiser.
 */
import { createHmac } from "node:crypto";
import { blockingKey, blockingKeys } from "./blocking";
import { bloomFilter, bloomKey, qgrams } from "./bloom";
import { popcount } from "./dice";
import type { EncodingSchema } from "./schema";

/**
 * A record's encoding: one Bloom filter per schema field (in schema order; null when
 * the field is missing or empty after normalisation) with its popcount, the keyed
 * blocking keys, and the schema id and key version it was made under.
 */
export interface Encoding {
  schemaId: string;
  keyVersion: number;
  fields: (Uint32Array | null)[];
  counts: number[];
  blockingKeys: string[];
}

/**
 * The PPRL key of linkage key version n: HMAC-SHA-256(linkage key n,
 * "kruispunt/pprl-key/v1"). It lives in the pseudonymiser's keyring with the linkage
 * key and carries its version, so rotating the linkage key rotates it too.
 */
export function pprlKeyFromLinkageKey(linkageKey: Uint8Array): Uint8Array {
  return createHmac("sha256", linkageKey).update("kruispunt/pprl-key/v1").digest();
}

/** Encodes records under one key and schema (caches per-q-gram bit positions). */
export class Encoder {
  private readonly fieldKeys: Buffer[];
  private readonly caches: Map<string, Uint16Array>[];
  private readonly kBlock: Buffer;

  /** `pprlKey`: 32 bytes (pprlKeyFromLinkageKey); `keyVersion`: its version. */
  constructor(
    pprlKey: Uint8Array,
    readonly keyVersion: number,
    readonly schema: EncodingSchema,
  ) {
    this.kBlock = blockingKey(pprlKey);
    const byLabel = new Map<string, Map<string, Uint16Array>>();
    this.fieldKeys = schema.fields.map((f) => bloomKey(pprlKey, f.label));
    this.caches = schema.fields.map((f) => {
      const key = `${f.label}/${f.bits}/${f.hashes}`;
      const cache = byLabel.get(key) ?? new Map<string, Uint16Array>();
      byLabel.set(key, cache);
      return cache;
    });
  }

  /**
   * Encodes one record given its raw quasi-identifiers by field name (fields the
   * schema does not name are ignored, absent ones are missing). Never throws on
   * content: anything unreadable is "missing".
   */
  encode(values: Readonly<Record<string, string>>): Encoding {
    const normalised: Record<string, string> = {};
    const fields: (Uint32Array | null)[] = [];
    const counts: number[] = [];
    this.schema.fields.forEach((spec, i) => {
      const value = spec.normalise(values[spec.name] ?? "");
      normalised[spec.name] = value;
      const grams = qgrams(value, spec.q);
      if (grams.length === 0) {
        fields.push(null);
        counts.push(0);
        return;
      }
      const filter = bloomFilter(
        this.fieldKeys[i] as Buffer,
        grams,
        spec.bits,
        spec.hashes,
        this.caches[i],
      );
      fields.push(filter);
      counts.push(popcount(filter));
    });
    return {
      schemaId: this.schema.id,
      keyVersion: this.keyVersion,
      fields,
      counts,
      blockingKeys: blockingKeys(this.kBlock, normalised),
    };
  }
}
