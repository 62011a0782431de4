/**
 * Withdrawal of a source record by its agency: a SourceRecord event with
 * `withdrawn: true` at the stored version (no identifier, no variables) goes to
 * records.intake, so the pseudonymiser forwards it and the linker removes the
 * record from its cluster ("unlink" decisions, linkage event). Published before the
 * row is marked, in one transaction, so a withdrawal that Kafka did not take is not
 * recorded as done.
 */
import { encodeEvent } from "@kruispunt/contracts";
import { KrpError } from "@kruispunt/service-kit";
import { inTransaction, type Pool } from "@kruispunt/store";

export interface Withdrawal {
  sourceRecordId: string;
  version: number;
  /** False when the record was already withdrawn (nothing was sent again). */
  changed: boolean;
}

/** Withdraws `agency/dataset/sourceRecordId`; 404 if intake never accepted it. */
export async function withdrawRecord(
  pool: Pool,
  publish: (messages: { key: string; value: Uint8Array }[]) => Promise<void>,
  record: { agency: string; dataset: string; sourceRecordId: string; scheme: string },
): Promise<Withdrawal> {
  const { agency, dataset, sourceRecordId } = record;
  return inTransaction(pool, async (client) => {
    const found = await client.query<{ version: string; withdrawn: boolean }>(
      `SELECT version, withdrawn FROM intake.records
        WHERE agency = $1 AND dataset = $2 AND source_record_id = $3 FOR UPDATE`,
      [agency, dataset, sourceRecordId],
    );
    const row = found.rows[0];
    if (!row)
      throw new KrpError(
        "KRP_ERR_NOT_FOUND",
        `dataset ${dataset} has no accepted record with this source record id`,
      );
    const version = Number(row.version);
    if (row.withdrawn) return { sourceRecordId, version, changed: false };
    await publish([
      {
        key: `${agency}/${dataset}/${sourceRecordId}`,
        value: encodeEvent("SourceRecord", {
          agency,
          dataset,
          sourceRecordId,
          version,
          scheme: record.scheme,
          sealedIdentifier: "",
          variables: {},
          uploadId: "",
          withdrawn: true,
        }),
      },
    ]);
    await client.query(
      "UPDATE intake.records SET withdrawn = true, accepted_at = now() WHERE agency = $1 AND dataset = $2 AND source_record_id = $3",
      [agency, dataset, sourceRecordId],
    );
    return { sourceRecordId, version, changed: true };
  });
}
