/**
 * Probabilistic linkage (PPRL, issue 5): the encodings and the scored candidate pairs.
 *
 * The pseudonymiser sends each record's keyed Bloom-filter encoding of its
 * quasi-identifiers and its keyed blocking keys (packages/pprl); the linker stores them
 * in linker.encodings and never sees a value. A record is scored against the live
 * records of other datasets that share a blocking key with it (each such record once,
 * however many keys they share): per field by Dice and overall by the Fellegi–Sunter
 * match weight with the shipped m/u (PERSON_V1_PARAMETERS, estimated by EM on FEBRL 4).
 * Every pair at or above DEFAULT_THRESHOLDS.review is kept in linker.candidates with its
 * weight and agreement levels.
 *
 * The set of candidate pairs depends only on the live records, not on their order: a
 * pair is scored when the later of its two records arrives, always as score(left, right)
 * in reference order, and a record's pairs are dropped and scored again when it gets a
 * new version, and dropped when it is withdrawn. Which pairs become links is decided
 * from them by greedy-clusters.ts; which go to clerical review by review-queue.ts.
 */
import type { PseudonymisedRecord } from "@kruispunt/contracts";
import { DEFAULT_THRESHOLDS, type Encoding, fromWire, PprlError, Scorer } from "@kruispunt/pprl";
import type { PoolClient } from "@kruispunt/store";
import { recordRef } from "./decisions";

type RecordKey = { agency: string; dataset: string; sourceRecordId: string };

const scorer = new Scorer();

/**
 * The record's encoding, or why it is refused: an unknown schema or malformed filters
 * (KRP_ERR_PPRL_UNKNOWN_SCHEMA / KRP_ERR_PPRL_BAD_ENCODING from packages/pprl), or a key
 * version other than the store's (`KRP_ERR_PPRL_SCHEMA_MISMATCH`: its bits mean
 * something else, so a Dice coefficient with stored encodings would be noise). Null
 * when the record carries none.
 */
export function readEncoding(
  record: PseudonymisedRecord,
  storeKeyVersion: number,
): { encoding: Encoding } | { refused: string } | null {
  const wire = record.pprl;
  if (!wire || wire.schemaId === "") return null;
  let encoding: Encoding;
  try {
    encoding = fromWire({ ...wire, filters: new Uint8Array(wire.filters) });
  } catch (error) {
    return { refused: error instanceof PprlError ? error.code : "KRP_ERR_PPRL_BAD_ENCODING" };
  }
  if (encoding.keyVersion !== storeKeyVersion) return { refused: "KRP_ERR_PPRL_SCHEMA_MISMATCH" };
  return { encoding };
}

/** Stores (or replaces) the record's encoding; `null` deletes a previous one. */
export async function storeEncoding(
  client: PoolClient,
  record: PseudonymisedRecord,
  encoding: Encoding | null,
): Promise<void> {
  const key = [record.agency, record.dataset, record.sourceRecordId];
  if (!encoding || !record.pprl) {
    await client.query(
      "DELETE FROM linker.encodings WHERE agency = $1 AND dataset = $2 AND source_record_id = $3",
      key,
    );
    return;
  }
  await client.query(
    `INSERT INTO linker.encodings (agency, dataset, source_record_id, schema_id, key_version, filters, blocking_keys)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET schema_id = EXCLUDED.schema_id,
       key_version = EXCLUDED.key_version, filters = EXCLUDED.filters, blocking_keys = EXCLUDED.blocking_keys`,
    [
      ...key,
      encoding.schemaId,
      encoding.keyVersion,
      Buffer.from(record.pprl.filters),
      encoding.blockingKeys,
    ],
  );
}

/**
 * Replaces the candidate pairs of `record` (its new version's `encoding`, or none: then
 * it only loses them). Scores it against the live records of other datasets sharing a
 * blocking key, with encodings of the same schema and key version.
 */
export async function rescoreCandidates(
  client: PoolClient,
  record: RecordKey,
  encoding: Encoding | null,
): Promise<void> {
  const self = recordRef(record);
  await client.query("DELETE FROM linker.candidates WHERE left_ref = $1 OR right_ref = $1", [self]);
  if (!encoding || encoding.blockingKeys.length === 0) return;
  const { rows } = await client.query<{ ref: string; filters: Buffer; blocking_keys: string[] }>(
    `SELECT r.ref, e.filters, e.blocking_keys
     FROM linker.encodings e JOIN linker.records r USING (agency, dataset, source_record_id)
     WHERE e.blocking_keys && $1::text[] AND e.schema_id = $2 AND e.key_version = $3
       AND NOT r.withdrawn AND NOT (e.agency = $4 AND e.dataset = $5)`,
    [encoding.blockingKeys, encoding.schemaId, encoding.keyVersion, record.agency, record.dataset],
  );
  const pairs: { left: string; right: string; score: number; levels: number[] }[] = [];
  for (const row of rows) {
    const other = fromWire({
      schemaId: encoding.schemaId,
      keyVersion: encoding.keyVersion,
      filters: new Uint8Array(row.filters),
      blockingKeys: row.blocking_keys,
    });
    // Always score(left, right): the weight must not depend on which record came last.
    const selfLeft = self < row.ref;
    const { score, levels } = selfLeft
      ? scorer.score(encoding, other)
      : scorer.score(other, encoding);
    if (score < DEFAULT_THRESHOLDS.review) continue;
    const [left, right] = selfLeft ? [self, row.ref] : [row.ref, self];
    pairs.push({ left, right, score, levels });
  }
  if (pairs.length === 0) return;
  await client.query(
    `INSERT INTO linker.candidates (left_ref, right_ref, score, levels)
     SELECT l, r, s, lv::int[] FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[]) AS p(l, r, s, lv)`,
    [
      pairs.map((p) => p.left),
      pairs.map((p) => p.right),
      pairs.map((p) => p.score),
      pairs.map((p) => `{${p.levels.join(",")}}`),
    ],
  );
}
