/**
 * Release's own view of linked records, kept from linkage.events: the latest
 * version of each source record with its cluster. Idempotent: a redelivered or older
 * event changes nothing.
 */
import type { LinkageEvent } from "@kruispunt/contracts";
import type { PoolClient } from "@kruispunt/store";

/** Applies the events in order within the caller's transaction. */
export async function applyLinkageEvents(
  client: PoolClient,
  events: LinkageEvent[],
): Promise<void> {
  for (const e of events) {
    const withdrawn = e.kind === "UNLINKED";
    await client.query(
      `INSERT INTO release.records (agency, dataset, source_record_id, version, cluster_id, variables, withdrawn)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (agency, dataset, source_record_id) DO UPDATE SET
         version = EXCLUDED.version, cluster_id = EXCLUDED.cluster_id, variables = EXCLUDED.variables, withdrawn = EXCLUDED.withdrawn
       WHERE release.records.version <= EXCLUDED.version`,
      [
        e.agency,
        e.dataset,
        e.sourceRecordId,
        e.version,
        e.clusterId,
        withdrawn ? {} : e.variables,
        withdrawn,
      ],
    );
  }
}
