/**
 * Reference directory, after the verwijzingsrepertorium of KSZ-BCSS (Law of 15 January
 * 1990 on the Crossroads Bank for Social Security, art. 6): for a person, which agencies'
 * datasets hold records about them and for which period, without any content. Kruispunt
 * routes and audits by it; it answers "who holds something", never "what".
 *
 * The period is the time a dataset has had a record of the person at Kruispunt: from the
 * linkage event that put the record in the person's cluster to the one that took it out
 * (withdrawal, or a new version whose linkage pseudonym puts it in another cluster). It is
 * kept in `linker.directory` in the same transaction as the linkage itself.
 */
import type { LinkageEvent } from "@kruispunt/contracts";
import type { Pool, PoolClient } from "@kruispunt/store";

/**
 * Applies one batch's linkage events (in order) to the directory. Only the last event
 * of each source record counts: a record linked and withdrawn in the same batch was held
 * for no measurable time.
 */
export async function updateDirectory(client: PoolClient, events: LinkageEvent[]): Promise<void> {
  const last = new Map<string, LinkageEvent>();
  for (const e of events) last.set(`${e.agency}/${e.dataset}/${e.sourceRecordId}`, e);
  if (last.size === 0) return;
  const latest = [...last.values()];
  const columns = [
    latest.map((e) => e.agency),
    latest.map((e) => e.dataset),
    latest.map((e) => e.sourceRecordId),
    // An UNLINKED record is in no cluster any more; "" closes its open period.
    latest.map((e) => (e.kind === "UNLINKED" ? "" : e.clusterId)),
  ];
  const records = `unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS e(agency, dataset, source_record_id, cluster_id)`;
  await client.query(
    `UPDATE linker.directory d SET held_until = now() FROM ${records}
     WHERE d.agency = e.agency AND d.dataset = e.dataset AND d.source_record_id = e.source_record_id
       AND d.held_until IS NULL AND d.cluster_id <> e.cluster_id`,
    columns,
  );
  await client.query(
    `INSERT INTO linker.directory (agency, dataset, source_record_id, cluster_id)
     SELECT agency, dataset, source_record_id, cluster_id FROM ${records} WHERE cluster_id <> ''
     ON CONFLICT (agency, dataset, source_record_id) WHERE held_until IS NULL DO NOTHING`,
    columns,
  );
}

/** One dataset holding records about the person. */
export interface DirectoryHolder {
  agency: string;
  dataset: string;
  /** Source records the dataset holds about the person now (0 once all are withdrawn). */
  records: number;
  /** ISO 8601 time the dataset's first record about the person was linked. */
  heldFrom: string;
  /** ISO 8601 time its last record left; null while it still holds one. */
  heldUntil: string | null;
}

/** The directory's answer for one linkage pseudonym. */
export interface DirectoryAnswer {
  /** The person cluster the pseudonym belongs to (its name, itself a linkage pseudonym). */
  clusterId: string;
  holders: DirectoryHolder[];
}

/**
 * Which datasets hold, or held, records in the person cluster of `linkagePseudonym`, sorted
 * by agency and dataset; null when the pseudonym is in no cluster and names none. The
 * pseudonym must be under the store's current key version (or be a cluster's name).
 */
export async function lookupDirectory(
  pool: Pool,
  linkagePseudonym: string,
): Promise<DirectoryAnswer | null> {
  const cluster = await pool.query<{ cluster_id: string }>(
    `SELECT cluster_id FROM linker.records
       WHERE linkage_pseudonym = $1 AND NOT withdrawn AND cluster_id IS NOT NULL
     UNION ALL
     SELECT cluster_id FROM linker.directory WHERE cluster_id = $1
     LIMIT 1`,
    [linkagePseudonym],
  );
  const clusterId = cluster.rows[0]?.cluster_id;
  if (clusterId === undefined) return null;
  const { rows } = await pool.query<{
    agency: string;
    dataset: string;
    records: number;
    held_from: Date;
    held_until: Date | null;
  }>(
    `SELECT agency, dataset,
            count(*) FILTER (WHERE held_until IS NULL)::int AS records,
            min(held_from) AS held_from,
            CASE WHEN bool_or(held_until IS NULL) THEN NULL ELSE max(held_until) END AS held_until
     FROM linker.directory WHERE cluster_id = $1
     GROUP BY agency, dataset ORDER BY agency, dataset`,
    [clusterId],
  );
  return {
    clusterId,
    holders: rows.map((r) => ({
      agency: r.agency,
      dataset: r.dataset,
      records: r.records,
      heldFrom: r.held_from.toISOString(),
      heldUntil: r.held_until?.toISOString() ?? null,
    })),
  };
}
