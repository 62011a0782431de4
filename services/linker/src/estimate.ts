/**
 * Estimating the Fellegi–Sunter parameters on this deployment's own data, and linking
 * again with them (issue 5: "m and u estimated by EM").
 *
 * Why: m and u describe the population. The shipped ones were estimated on FEBRL 4
 * (Australian data: postcodes and addresses nearly unique), where agreeing on a postcode
 * is strong evidence (+5.7). On Belgian data, where a few postcodes hold many people,
 * the same agreement is weak evidence, and the shipped weights linked different persons
 * who shared a postcode and a common given name (bench:upload-to-linked). EM on the
 * deployment's own candidate pairs learns the local frequencies (Winkler 1988; Splink
 * trains the same way) without anyone labelling a pair.
 *
 * 1. `countPatterns`: every candidate pair of the store — two live records of different
 *    datasets with encodings of the schema under the store's key version, sharing a
 *    blocking key — compared once (per-field Dice → agreement levels), and the
 *    comparison vectors counted by pattern. Read-only, outside the batch lock, on one
 *    snapshot. Nothing but counts of agreement levels leaves it.
 * 2. EM on the pattern counts (packages/pprl estimateEmFromPatterns). An estimate EM
 *    could not make sense of (`degenerateEstimate`) is refused and nothing changes.
 * 3. `relink`, under the batch lock (key-state.ts) in one transaction: the new version is
 *    stored, every candidate pair is scored again with it (linker.candidates rebuilt),
 *    and every component is settled again (settle.ts). Clusters are a function of the
 *    live records, the reviewers' resolutions and the parameter version, so the order
 *    independence of settle.ts holds between two estimates; a link that the new weights
 *    end is an "unlink" (method "pprl"), a new one a "link", both audited.
 */
import {
  comparisonVector,
  DEFAULT_THRESHOLDS,
  degenerateEstimate,
  type Encoding,
  estimateEmFromPatterns,
  type FsParameters,
  fromWire,
  getSchema,
  PatternCounter,
  type Scorer,
} from "@kruispunt/pprl";
import type { Pool, PoolClient } from "@kruispunt/store";
import { activeScorer, saveParameters } from "./fs-parameters";
import { lockKeyState } from "./key-state";
import { insertCandidates, type ScoredPair } from "./probabilistic-linkage";
import { type Settled, settle } from "./settle";

/** Records per chunk of the pair scan. */
const CHUNK = 2_000;
/** Exact groups (homes) per settle call. */
const SETTLE_CHUNK = 2_000;

interface Scope {
  schemaId: string;
  keyVersion: number;
}

const decode = (scope: Scope, filters: Buffer): Encoding =>
  fromWire({ ...scope, filters: new Uint8Array(filters), blockingKeys: [] });

/**
 * Calls `onPair(leftRef, rightRef, left, right)` for every candidate pair of `scope`
 * once, left < right (as the linker orders refs: JS string order), in chunks of the
 * records' ref order. One query per chunk returns the chunk's records and another the
 * partners that come after them in ref order, each partner's filters once per chunk.
 */
async function forEachCandidatePair(
  db: Pool | PoolClient,
  scope: Scope,
  onPair: (left: string, right: string, a: Encoding, b: Encoding) => void,
): Promise<void> {
  let after = "";
  for (;;) {
    const chunk = await db.query<{ ref: string; filters: Buffer }>(
      `SELECT r.ref, e.filters FROM linker.encodings e
         JOIN linker.records r USING (agency, dataset, source_record_id)
       WHERE NOT r.withdrawn AND e.schema_id = $1 AND e.key_version = $2 AND r.ref > $3
       ORDER BY r.ref LIMIT $4`,
      [scope.schemaId, scope.keyVersion, after, CHUNK],
    );
    if (chunk.rows.length === 0) return;
    const refs = chunk.rows.map((r) => r.ref);
    const mine = new Map(chunk.rows.map((r) => [r.ref, decode(scope, r.filters)]));
    // Partners later in ref order (the database's order: each pair once whichever
    // collation it is), of another dataset, sharing a blocking key.
    // The chunk is materialised and each of its records looks its partners up in the GIN
    // index (LATERAL): joined as plain tables, the planner compared every pair of
    // blocking-key arrays (85 s for a chunk of 2,000 among 10,000 records, against 0.3 s).
    const partners = await db.query<{ ref: string; filters: Buffer; of: string[] }>(
      `WITH chunk AS MATERIALIZED (
         SELECT c.ref, ce.agency, ce.dataset, ce.blocking_keys
         FROM linker.records c JOIN linker.encodings ce USING (agency, dataset, source_record_id)
         WHERE c.ref = ANY($1) AND ce.schema_id = $2 AND ce.key_version = $3)
       SELECT o.ref, o.filters, array_agg(ch.ref) AS of
       FROM chunk ch CROSS JOIN LATERAL (
         SELECT r.ref, e.filters FROM linker.encodings e
           JOIN linker.records r USING (agency, dataset, source_record_id)
         WHERE e.blocking_keys && ch.blocking_keys AND e.schema_id = $2 AND e.key_version = $3
           AND NOT (e.agency = ch.agency AND e.dataset = ch.dataset)
           AND NOT r.withdrawn AND r.ref > ch.ref) o
       GROUP BY o.ref, o.filters`,
      [refs, scope.schemaId, scope.keyVersion],
    );
    for (const p of partners.rows) {
      const other = decode(scope, p.filters);
      for (const ref of p.of) {
        const self = mine.get(ref) as Encoding;
        // Always score(left, right) with left < right, as probabilistic-linkage.ts does.
        if (ref < p.ref) onPair(ref, p.ref, self, other);
        else onPair(p.ref, ref, other, self);
      }
    }
    after = refs[refs.length - 1] as string;
  }
}

/** The store's schema and key version to estimate on, or null before any encoding. */
async function currentScope(db: Pool | PoolClient): Promise<Scope | null> {
  const { rows } = await db.query<{ schema_id: string; key_version: number }>(
    `SELECT e.schema_id, e.key_version FROM linker.encodings e JOIN linker.key_state k
       ON e.key_version = k.key_version
     GROUP BY e.schema_id, e.key_version ORDER BY count(*) DESC, e.schema_id LIMIT 1`,
  );
  const row = rows[0];
  return row ? { schemaId: row.schema_id, keyVersion: row.key_version } : null;
}

export interface Estimate {
  schemaId: string;
  keyVersion: number;
  params: FsParameters;
  pairs: number;
  patterns: number;
}

/** Why an estimate is refused: its run ends with status "refused" and this reason (estimate-job.ts). */
export class EstimateRefused extends Error {}

/**
 * Steps 1–2 of the module doc: the candidate pairs' pattern counts and EM on them.
 * Throws EstimateRefused when there is no candidate pair or the estimate is degenerate.
 */
export async function estimateParameters(pool: Pool): Promise<Estimate> {
  // Records arrive in bulk and autovacuum analyses late: with one-row estimates the
  // planner joins blocking keys by nested loops (85 s for a 10,000-record store, against
  // 3.5 s). ANALYZE samples at most 30,000 rows per table.
  await pool.query("ANALYZE linker.records, linker.encodings, linker.decisions, linker.review");
  const client = await pool.connect();
  try {
    // One snapshot for the whole scan, so a batch committing meanwhile is in it or not.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const scope = await currentScope(client);
    if (!scope)
      throw new EstimateRefused("no record with a PPRL encoding yet: nothing to estimate from");
    const schema = getSchema(scope.schemaId);
    // Agreement levels do not depend on m and u: no scorer needed to count them.
    const counter = new PatternCounter();
    await forEachCandidatePair(client, scope, (_l, _r, a, b) =>
      counter.add(comparisonVector(schema, a, b)),
    );
    await client.query("COMMIT");
    if (counter.pairs === 0)
      throw new EstimateRefused(
        "no candidate pair (records of two datasets sharing a blocking key) yet",
      );
    const patterns = counter.patterns();
    const params = estimateEmFromPatterns(patterns, schema.fields.length, 500);
    const present = schema.fields.map((_, f) => patterns.some((p) => (p.levels[f] as number) >= 0));
    const why = degenerateEstimate(
      params,
      counter.pairs,
      schema.fields.map((f) => f.name),
      present,
    );
    if (why) throw new EstimateRefused(why);
    return { ...scope, params, pairs: counter.pairs, patterns: patterns.length };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface Relinked extends Omit<Settled, "clusterOf"> {
  version: number;
  /** Candidate pairs kept (at or above the review threshold) under the new version. */
  candidates: number;
}

/**
 * Step 3 of the module doc, inside the caller's transaction: stores `estimate` as the
 * new version, rebuilds linker.candidates with it and settles every component.
 */
export async function relink(
  client: PoolClient,
  estimate: Estimate,
  estimatedBy: string,
): Promise<Relinked> {
  await lockKeyState(client);
  const version = await saveParameters(
    client,
    estimate.schemaId,
    estimate.params,
    estimate,
    estimatedBy,
  );
  await client.query("DELETE FROM linker.candidates");
  const scopes = await client.query<{ schema_id: string; key_version: number }>(
    "SELECT DISTINCT schema_id, key_version FROM linker.encodings ORDER BY 1, 2",
  );
  let candidates = 0;
  for (const row of scopes.rows) {
    const scope = { schemaId: row.schema_id, keyVersion: row.key_version };
    const scorer: Scorer = await activeScorer(client, scope.schemaId);
    const pairs: ScoredPair[] = [];
    await forEachCandidatePair(client, scope, (left, right, a, b) => {
      const { score, levels } = scorer.score(a, b);
      if (score >= DEFAULT_THRESHOLDS.review) pairs.push({ left, right, score, levels });
    });
    await insertCandidates(client, pairs);
    candidates += pairs.length;
  }
  await client.query("ANALYZE linker.candidates");
  const outcome: Relinked = { version, candidates, events: [], decisions: [], review: [] };
  const homes = await client.query<{ home_cluster: string }>(
    "SELECT DISTINCT home_cluster FROM linker.records WHERE NOT withdrawn ORDER BY home_cluster",
  );
  const all = homes.rows.map((r) => r.home_cluster);
  for (let i = 0; i < all.length; i += SETTLE_CHUNK) {
    const chunk = all.slice(i, i + SETTLE_CHUNK);
    // A home's records may sit in another group's cluster: settle reaches it by home.
    const settled = await settle(client, { homes: new Set(chunk), clusters: new Set() }, new Map());
    outcome.events.push(...settled.events);
    outcome.decisions.push(...settled.decisions);
    outcome.review.push(...settled.review);
  }
  return outcome;
}
