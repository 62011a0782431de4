/**
 * Admits one batch of an upload durably and idempotently (DESIGN.md invariant 4),
 * in one PostgreSQL transaction around the Kafka publish:
 *
 * 1. upsert the batch into intake.records, replacing a row only for a higher
 *    version from another upload; rows are taken in source-record-id order, so two
 *    identical uploads running at once lock in the same order and the second waits
 *    for the first, then finds its versions already there;
 * 2. classify what was not replaced: same version → accepted, unchanged (not
 *    published again); lower → refused KRP_ERR_STALE_VERSION; the same id at another
 *    line of this upload → KRP_ERR_DUPLICATE_RECORD_ID; withdrawn at this version →
 *    KRP_ERR_WITHDRAWN;
 * 3. publish the new versions (acks from all in-sync replicas, idempotent producer)
 *    and, meanwhile, write the batch's verdict lines and the upload's counts;
 * 4. commit once Kafka acknowledged.
 *
 * If Kafka does not acknowledge, the transaction rolls back and nothing of the batch
 * counts as accepted. If the commit fails after Kafka acknowledged, a re-send
 * publishes the same version again, which the linker ignores (same version).
 */
import type { Admit, Candidate, RecordVerdict } from "@kruispunt/agency-client";
import { inTransaction, type Pool, type PoolClient } from "@kruispunt/store";

export interface AdmitOptions {
  pool: Pool;
  agency: string;
  dataset: string;
  uploadId: string;
  /** The contract's source record id field (named by a duplicate refusal). */
  recordIdField: string;
  /** The contract's version field, else the record id field (named by a stale-version refusal). */
  versionField: string;
  /** Publishes to records.intake; rejects when Kafka does not acknowledge. */
  publish: (messages: { key: string; value: Uint8Array }[]) => Promise<void>;
  /** Rejects (→ 503) when the pipeline cannot take more records now. */
  beforePublish?: () => Promise<void>;
}

interface StoredRow {
  source_record_id: string;
  version: string;
  withdrawn: boolean;
  upload_id: string;
  line: number;
}

/** An `Admit` for processUpload that keeps intake.records, intake.verdicts and intake.uploads. */
export function createAdmitter(options: AdmitOptions): Admit {
  const { pool, uploadId } = options;
  return (candidates, refused) =>
    inTransaction(pool, async (client) => {
      const verdicts = await classify(client, options, candidates);
      const fresh = candidates.filter(
        (_, i) => verdicts[i]?.verdict === "accepted" && !verdicts[i]?.unchanged,
      );
      if (fresh.length > 0) await options.beforePublish?.();
      // The verdict rows are written while Kafka acknowledges (they commit only if it
      // does): one round trip less per batch.
      await Promise.all([
        fresh.length > 0 && options.publish(fresh.map(({ key, value }) => ({ key, value }))),
        writeVerdicts(client, uploadId, [...refused, ...verdicts]),
      ]);
      return verdicts;
    });
}

async function classify(
  client: PoolClient,
  options: AdmitOptions,
  candidates: Candidate[],
): Promise<RecordVerdict[]> {
  if (candidates.length === 0) return [];
  const { agency, dataset, uploadId } = options;
  const order = candidates
    .map((_, i) => i)
    .sort((a, b) => {
      const x = candidates[a]?.sourceRecordId ?? "";
      const y = candidates[b]?.sourceRecordId ?? "";
      return x < y ? -1 : x > y ? 1 : 0;
    });
  const sorted = order.map((i) => candidates[i] as Candidate);
  const written = await client.query<{ source_record_id: string }>(
    `INSERT INTO intake.records AS r (agency, dataset, source_record_id, version, upload_id, line)
     SELECT $1, $2, t.id, t.version, $3, t.line
       FROM unnest($4::text[], $5::bigint[], $6::int[]) AS t(id, version, line)
     ON CONFLICT (agency, dataset, source_record_id) DO UPDATE
       SET version = EXCLUDED.version, upload_id = EXCLUDED.upload_id, line = EXCLUDED.line,
           withdrawn = false, accepted_at = now()
       WHERE r.version < EXCLUDED.version AND r.upload_id <> EXCLUDED.upload_id
     RETURNING source_record_id`,
    [
      agency,
      dataset,
      uploadId,
      sorted.map((c) => c.sourceRecordId),
      sorted.map((c) => c.version),
      sorted.map((c) => c.line),
    ],
  );
  const fresh = new Set(written.rows.map((r) => r.source_record_id));
  const others = candidates.filter((c) => !fresh.has(c.sourceRecordId));
  const stored = new Map<string, StoredRow>();
  if (others.length > 0) {
    const found = await client.query<StoredRow>(
      `SELECT source_record_id, version, withdrawn, upload_id, line FROM intake.records
        WHERE agency = $1 AND dataset = $2 AND source_record_id = ANY($3::text[])`,
      [agency, dataset, others.map((c) => c.sourceRecordId)],
    );
    for (const row of found.rows) stored.set(row.source_record_id, row);
  }
  return candidates.map((c): RecordVerdict => {
    const base = { line: c.line, sourceRecordId: c.sourceRecordId };
    // An identifier note stays on the verdict, also when the version is unchanged.
    const note = c.note ? { note: c.note } : {};
    if (fresh.has(c.sourceRecordId)) return { ...base, verdict: "accepted", ...note };
    const row = stored.get(c.sourceRecordId) as StoredRow;
    const refuse = (field: string, code: string, message: string): RecordVerdict => ({
      ...base,
      verdict: "refused",
      field,
      code,
      message,
    });
    if (row.upload_id === uploadId && row.line !== c.line)
      return refuse(
        options.recordIdField,
        "KRP_ERR_DUPLICATE_RECORD_ID",
        `the source record id already occurs at line ${row.line} of this file`,
      );
    if (Number(row.version) > c.version)
      return refuse(
        options.versionField,
        "KRP_ERR_STALE_VERSION",
        `version ${c.version} is lower than the accepted version ${row.version}`,
      );
    if (row.withdrawn && Number(row.version) === c.version)
      return refuse(
        options.versionField,
        "KRP_ERR_WITHDRAWN",
        "this version was withdrawn; send a higher version to reinstate the record",
      );
    return { ...base, verdict: "accepted", unchanged: true, ...note };
  });
}

async function writeVerdicts(
  client: PoolClient,
  uploadId: string,
  verdicts: RecordVerdict[],
): Promise<void> {
  if (verdicts.length === 0) return;
  // field/code/message: a refusal's, or an accepted record's identifier note.
  const detail = (v: RecordVerdict) => (v.verdict === "refused" ? v : (v.note ?? null));
  const accepted = verdicts.filter((v) => v.verdict === "accepted").length;
  // Verdict rows and the upload's counts in one statement (one round trip).
  await client.query(
    `WITH written AS (
       INSERT INTO intake.verdicts (upload_id, line, source_record_id, outcome, field, code, message, problems)
       SELECT $1, l, s, o, f, c, m, p::jsonb
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $12::text[])
           AS u(l, s, o, f, c, m, p)
       ON CONFLICT (upload_id, line) DO UPDATE SET source_record_id = EXCLUDED.source_record_id,
         outcome = EXCLUDED.outcome, field = EXCLUDED.field, code = EXCLUDED.code,
         message = EXCLUDED.message, problems = EXCLUDED.problems)
     UPDATE intake.uploads SET submitted = submitted + $8, accepted = accepted + $9,
       refused = refused + $10, through_line = greatest(through_line, $11), updated_at = now()
     WHERE upload_id = $1`,
    [
      uploadId,
      verdicts.map((v) => v.line),
      verdicts.map((v) => v.sourceRecordId),
      verdicts.map((v) =>
        v.verdict === "refused" ? "refused" : v.unchanged ? "unchanged" : "accepted",
      ),
      verdicts.map((v) => detail(v)?.field ?? null),
      verdicts.map((v) => detail(v)?.code ?? null),
      verdicts.map((v) => detail(v)?.message ?? null),
      verdicts.length,
      accepted,
      verdicts.length - accepted,
      Math.max(...verdicts.map((v) => v.line)),
      // Every bad field of a record refused on more than one (JSON), else null.
      verdicts.map((v) =>
        v.verdict === "refused" && v.problems ? JSON.stringify(v.problems) : null,
      ),
    ],
  );
}
