/**
 * An encoding as it travels (Kafka, PostgreSQL): the schema's field filters
 * concatenated in schema order into one byte string (each field bits/8 bytes,
 * 32-bit words little-endian), a missing field as all zeros — a present field always
 * has at least one bit set, so the two never mix up.
 */
import { popcount } from "./dice";
import type { Encoding } from "./encode";
import { PprlError } from "./errors";
import { getSchema } from "./schema";

export interface WireEncoding {
  schemaId: string;
  keyVersion: number;
  filters: Uint8Array;
  blockingKeys: string[];
}

/** The byte length of a schema's concatenated filters. */
export function filtersLength(schemaId: string): number {
  return getSchema(schemaId).fields.reduce((n, f) => n + f.bits / 8, 0);
}

/** Packs an encoding for transport. */
export function toWire(e: Encoding): WireEncoding {
  const filters = new Uint8Array(filtersLength(e.schemaId));
  const view = new DataView(filters.buffer);
  let offset = 0;
  getSchema(e.schemaId).fields.forEach((f, i) => {
    const words = e.fields[i];
    if (words) words.forEach((w, k) => view.setUint32(offset + 4 * k, w, true));
    offset += f.bits / 8;
  });
  return {
    schemaId: e.schemaId,
    keyVersion: e.keyVersion,
    filters,
    blockingKeys: [...e.blockingKeys],
  };
}

/**
 * Unpacks an encoding. Throws PprlError KRP_ERR_PPRL_UNKNOWN_SCHEMA for a schema
 * this build does not know and KRP_ERR_PPRL_BAD_ENCODING when the filters do not
 * have the schema's length or a blocking key is not 16 hex digits.
 */
export function fromWire(w: WireEncoding): Encoding {
  const schema = getSchema(w.schemaId);
  const expected = filtersLength(w.schemaId);
  if (w.filters.length !== expected)
    throw new PprlError(
      "KRP_ERR_PPRL_BAD_ENCODING",
      `${w.schemaId} filters are ${expected} bytes, got ${w.filters.length}`,
    );
  if (!Number.isInteger(w.keyVersion) || w.keyVersion < 1)
    throw new PprlError("KRP_ERR_PPRL_BAD_ENCODING", "key version must be a positive integer");
  if (!w.blockingKeys.every((k) => /^[0-9a-f]{16}$/.test(k)))
    throw new PprlError(
      "KRP_ERR_PPRL_BAD_ENCODING",
      "blocking keys must be 16 lowercase hex digits",
    );
  const view = new DataView(w.filters.buffer, w.filters.byteOffset, w.filters.byteLength);
  const fields: (Uint32Array | null)[] = [];
  const counts: number[] = [];
  let offset = 0;
  for (const f of schema.fields) {
    const words = new Uint32Array(f.bits / 32);
    for (let k = 0; k < words.length; k++) words[k] = view.getUint32(offset + 4 * k, true);
    offset += f.bits / 8;
    const count = popcount(words);
    fields.push(count === 0 ? null : words);
    counts.push(count);
  }
  return {
    schemaId: w.schemaId,
    keyVersion: w.keyVersion,
    fields,
    counts,
    blockingKeys: [...w.blockingKeys],
  };
}
