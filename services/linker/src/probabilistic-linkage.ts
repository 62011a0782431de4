/**
 * Probabilistic linkage (PPRL, issue 5): the encodings and the scored candidate pairs.
 *
 * The pseudonymiser sends each record's keyed Bloom-filter encoding of its
 * quasi-identifiers and its keyed blocking keys (packages/pprl); the linker stores them
 * in linker.encodings and never sees a value. A record is scored against the live
 * records of other datasets that share a blocking key with it (each such record once,
 * however many keys they share): per field by Dice and overall by the Fellegi–Sunter
 * match weight with the parameters in force (fs-parameters.ts: the latest EM estimate on
 * this deployment's pairs, estimate.ts, or before one the shipped PERSON_V1_PARAMETERS).
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
import {
  DEFAULT_THRESHOLDS,
  type Encoding,
  fromWire,
  PprlError,
  type Scorer,
} from "@kruispunt/pprl";
import type { PoolClient } from "@kruispunt/store";
import { recordRef } from "./decisions";
import { activeScorer } from "./fs-parameters";

type RecordKey = { agency: string; dataset: string; sourceRecordId: string };

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

/** A record applied in a batch: its key and its final encoding (null: none, or withdrawn). */
export interface Encoded {
  record: RecordKey;
  /** The wire filters the encoding was read from (stored as they came). */
  filters: Uint8Array | null;
  encoding: Encoding | null;
}

/** A PostgreSQL array literal of `values` (each element quoted). */
const arrayLiteral = (values: readonly string[]) =>
  `{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;

/**
 * Stores (or replaces) the encodings of `items` and deletes those of items without one,
 * in two statements. Each record must appear once.
 */
export async function storeEncodings(client: PoolClient, items: readonly Encoded[]): Promise<void> {
  const gone = items.filter((i) => !i.encoding || !i.filters).map((i) => i.record);
  const kept = items.filter((i) => i.encoding && i.filters) as (Encoded & {
    encoding: Encoding;
    filters: Uint8Array;
  })[];
  if (gone.length > 0)
    await client.query(
      `DELETE FROM linker.encodings e USING unnest($1::text[], $2::text[], $3::text[]) AS g(agency, dataset, source_record_id)
       WHERE e.agency = g.agency AND e.dataset = g.dataset AND e.source_record_id = g.source_record_id`,
      [gone.map((r) => r.agency), gone.map((r) => r.dataset), gone.map((r) => r.sourceRecordId)],
    );
  if (kept.length > 0)
    await client.query(
      `INSERT INTO linker.encodings (agency, dataset, source_record_id, schema_id, key_version, filters, blocking_keys)
       SELECT a, d, s, sc, kv, f, bk::text[]
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bytea[], $7::text[]) AS u(a, d, s, sc, kv, f, bk)
       ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET schema_id = EXCLUDED.schema_id,
         key_version = EXCLUDED.key_version, filters = EXCLUDED.filters, blocking_keys = EXCLUDED.blocking_keys`,
      [
        kept.map((i) => i.record.agency),
        kept.map((i) => i.record.dataset),
        kept.map((i) => i.record.sourceRecordId),
        kept.map((i) => i.encoding.schemaId),
        kept.map((i) => i.encoding.keyVersion),
        kept.map((i) => Buffer.from(i.filters)),
        kept.map((i) => arrayLiteral(i.encoding.blockingKeys)),
      ],
    );
}

/** A scored pair, always `score(left, right)` with left < right. */
export interface ScoredPair {
  left: string;
  right: string;
  score: number;
  levels: number[];
}

/**
 * Fellegi–Sunter weight and agreement levels of a pair with the parameters in force for
 * its schema, always in reference order (`left` < `right`) so the weight does not depend
 * on which record came last. The one place the batch path scores.
 */
function scorePair(
  scorers: ReadonlyMap<string, Scorer>,
  left: Encoding,
  right: Encoding,
): { score: number; levels: number[] } {
  return (scorers.get(left.schemaId) as Scorer).score(left, right);
}

/**
 * Replaces the candidate pairs of the records of `items` (each once, with its final
 * encoding already stored by storeEncodings, or none: then it only loses its pairs),
 * in three statements for the whole batch: one DELETE of their pairs, one query of the
 * live records of other datasets sharing a blocking key with any of them (encodings of
 * the same schema and key version), one INSERT of the pairs at or above the review
 * threshold. A pair of two records of the batch is scored once.
 */
export async function rescoreCandidates(
  client: PoolClient,
  items: readonly Encoded[],
): Promise<void> {
  if (items.length === 0) return;
  await client.query(
    "DELETE FROM linker.candidates WHERE left_ref = ANY($1) OR right_ref = ANY($1)",
    [items.map((i) => recordRef(i.record))],
  );
  const probes = items.filter(
    (i): i is Encoded & { encoding: Encoding } =>
      i.encoding !== null && i.encoding.blockingKeys.length > 0,
  );
  if (probes.length === 0) return;
  const { rows } = await client.query<{
    probe: number;
    agency: string;
    dataset: string;
    source_record_id: string;
    filters: Buffer;
    blocking_keys: string[];
  }>(
    // Per probe, a GIN bitmap scan of its keys. LATERAL … OFFSET 0 keeps it so: as a plain
    // join the planner (statistics of a table that grows by thousands of rows a minute)
    // hashes or merges on schema_id and tests && on every pair — 28 s instead of 0.7 s for
    // 1,000 records against 93,000. Only live records have an encoding (a withdrawal or a
    // version without one deletes it), so no join with linker.records is needed.
    `SELECT p.n::int AS probe, c.agency, c.dataset, c.source_record_id, c.filters, c.blocking_keys
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])
            WITH ORDINALITY AS p(agency, dataset, keys, schema_id, key_version, n)
     CROSS JOIN LATERAL (
       SELECT e.agency, e.dataset, e.source_record_id, e.filters, e.blocking_keys
       FROM linker.encodings e
       WHERE e.blocking_keys && p.keys::text[] AND e.schema_id = p.schema_id
         AND e.key_version = p.key_version AND NOT (e.agency = p.agency AND e.dataset = p.dataset)
       OFFSET 0
     ) c`,
    [
      probes.map((i) => i.record.agency),
      probes.map((i) => i.record.dataset),
      probes.map((i) => arrayLiteral(i.encoding.blockingKeys)),
      probes.map((i) => i.encoding.schemaId),
      probes.map((i) => i.encoding.keyVersion),
    ],
  );
  const scorers = new Map<string, Scorer>();
  for (const p of probes)
    if (!scorers.has(p.encoding.schemaId))
      scorers.set(p.encoding.schemaId, await activeScorer(client, p.encoding.schemaId));
  const others = new Map<string, Encoding>();
  const pairs = new Map<string, ScoredPair>();
  for (const row of rows) {
    const probe = probes[row.probe - 1] as Encoded & { encoding: Encoding };
    const self = recordRef(probe.record);
    const otherRef = recordRef({
      agency: row.agency,
      dataset: row.dataset,
      sourceRecordId: row.source_record_id,
    });
    const [left, right] = self < otherRef ? [self, otherRef] : [otherRef, self];
    const key = `${left} ${right}`;
    if (pairs.has(key)) continue;
    let other = others.get(otherRef);
    if (!other) {
      other = fromWire({
        schemaId: probe.encoding.schemaId,
        keyVersion: probe.encoding.keyVersion,
        filters: new Uint8Array(row.filters),
        blockingKeys: row.blocking_keys,
      });
      others.set(otherRef, other);
    }
    const { score, levels } =
      self < otherRef
        ? scorePair(scorers, probe.encoding, other)
        : scorePair(scorers, other, probe.encoding);
    pairs.set(key, { left, right, score, levels });
  }
  await insertCandidates(
    client,
    [...pairs.values()].filter((p) => p.score >= DEFAULT_THRESHOLDS.review),
  );
}

/** Inserts scored pairs (left < right) into linker.candidates, in one statement. */
export async function insertCandidates(
  client: PoolClient,
  pairs: readonly ScoredPair[],
): Promise<void> {
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
