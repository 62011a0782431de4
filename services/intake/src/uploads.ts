/**
 * The life of an upload in intake.uploads and intake.verdicts: begun (or resumed
 * after a broken connection under the same upload id), finished with a status, read
 * back as a status and as the verdict file (NDJSON, one line per record, in file
 * order, streamed page by page so a 1M-record verdict file is never held in memory).
 */

import { KrpError } from "@kruispunt/service-kit";
import type { Pool } from "@kruispunt/store";

/** How long a "receiving" upload may be silent before a re-send may take it over (ms). */
const STALE_AFTER_MS = 60_000;

/**
 * Starts `uploadId` for `agency`/`dataset`, or resumes it: an existing upload of the
 * same agency and dataset is reset (new attempt, counts 0, verdicts cleared) unless
 * another attempt is still receiving. 409 if the id belongs to another dataset or
 * is still receiving.
 */
export async function beginUpload(
  pool: Pool,
  upload: { uploadId: string; agency: string; dataset: string; format: string },
): Promise<{ attempts: number }> {
  const { uploadId, agency, dataset, format } = upload;
  const inserted = await pool.query(
    `INSERT INTO intake.uploads (upload_id, agency, dataset, status, format)
     VALUES ($1, $2, $3, 'receiving', $4) ON CONFLICT (upload_id) DO NOTHING`,
    [uploadId, agency, dataset, format],
  );
  if (inserted.rowCount === 1) return { attempts: 1 };
  const resumed = await pool.query<{ attempts: number }>(
    `UPDATE intake.uploads SET status = 'receiving', format = $4, attempts = attempts + 1,
       submitted = 0, accepted = 0, refused = 0, through_line = 0, reason = NULL,
       ignored_columns = '{}',
       started_at = now(), finished_at = NULL, updated_at = now()
     WHERE upload_id = $1 AND agency = $2 AND dataset = $3
       AND (status <> 'receiving' OR updated_at < now() - make_interval(secs => $5))
     RETURNING attempts`,
    [uploadId, agency, dataset, format, STALE_AFTER_MS / 1000],
  );
  if (resumed.rowCount === 0)
    throw new KrpError(
      "KRP_ERR_CONFLICT",
      `upload ${uploadId} is still being received, or belongs to another dataset`,
      { uploadId, dataset },
    );
  await pool.query("DELETE FROM intake.verdicts WHERE upload_id = $1", [uploadId]);
  return { attempts: resumed.rows[0]?.attempts ?? 1 };
}

/**
 * Marks the upload complete, refused (unreadable file) or interrupted (may be
 * resumed), with the names of the undeclared columns it ignored (UploadVerdict.ignoredColumns).
 */
export async function finishUpload(
  pool: Pool,
  uploadId: string,
  status: "complete" | "refused" | "interrupted",
  reason: string | null = null,
  ignoredColumns: string[] = [],
): Promise<void> {
  await pool.query(
    `UPDATE intake.uploads SET status = $2, reason = $3, ignored_columns = $4::text[],
       finished_at = now(), updated_at = now() WHERE upload_id = $1`,
    [uploadId, status, reason, ignoredColumns],
  );
}

/** Counts and state of an upload, as GET /v1/uploads/:uploadId returns them. */
export interface UploadStatus {
  uploadId: string;
  dataset: string;
  format: string;
  status: string;
  attempts: number;
  submitted: number;
  accepted: number;
  refused: number;
  /** Every record up to this line of the file has its verdict stored. */
  throughLine: number;
  /** Undeclared columns dropped under the contract's extraColumns "ignore" (names only; set on completion). */
  ignoredColumns: string[];
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * The agency's upload: 404 KRP_ERR_NOT_FOUND if there is no upload `uploadId`,
 * 403 KRP_ERR_FORBIDDEN if it is another agency's (a valid token of another agency
 * is refused, as the JWT checks of issue 8 require; the answer names neither that
 * agency nor anything of the upload).
 */
export async function uploadStatus(
  pool: Pool,
  agency: string,
  uploadId: string,
): Promise<UploadStatus> {
  const found = await pool.query<UploadStatus & { agency: string }>(
    `SELECT upload_id AS "uploadId", agency, dataset, format, status, attempts, submitted,
            accepted, refused, through_line AS "throughLine",
            ignored_columns AS "ignoredColumns", reason, started_at AS "startedAt",
            finished_at AS "finishedAt"
       FROM intake.uploads WHERE upload_id = $1`,
    [uploadId],
  );
  const row = found.rows[0];
  if (!row) throw new KrpError("KRP_ERR_NOT_FOUND", `no upload ${uploadId}`);
  if (row.agency !== agency) throw anotherAgencysUpload(uploadId);
  const { agency: _owner, ...status } = row;
  return status;
}

/** The 403 for an upload that exists but belongs to another agency. */
export function anotherAgencysUpload(uploadId: string): KrpError {
  return new KrpError(
    "KRP_ERR_FORBIDDEN",
    `upload ${uploadId} belongs to another agency; a token may read only its own agency's uploads`,
    { uploadId },
  );
}

/** The verdict file's lines (each JSON plus "\n"), read from PostgreSQL in pages by line. */
export async function* verdictLines(pool: Pool, uploadId: string): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const page = await pool.query<{
      line: number;
      source_record_id: string | null;
      outcome: string;
      field: string | null;
      code: string | null;
      message: string | null;
      problems: { field: string; code: string; message: string }[] | null;
    }>(
      `SELECT line, source_record_id, outcome, field, code, message, problems FROM intake.verdicts
        WHERE upload_id = $1 AND line > $2 ORDER BY line LIMIT 5000`,
      [uploadId, after],
    );
    if (page.rows.length === 0) return;
    let text = "";
    for (const r of page.rows) {
      const line =
        r.outcome === "refused"
          ? {
              line: r.line,
              sourceRecordId: r.source_record_id,
              verdict: "refused",
              field: r.field,
              code: r.code,
              message: r.message,
              // Every bad field, when the record had more than one (`field` is the first).
              ...(r.problems ? { problems: r.problems } : {}),
            }
          : {
              line: r.line,
              sourceRecordId: r.source_record_id,
              verdict: "accepted",
              ...(r.outcome === "unchanged" ? { unchanged: true } : {}),
              // Accepted without its identifier (contract identifier.whenUnusable).
              ...(r.code ? { note: { field: r.field, code: r.code, message: r.message } } : {}),
            };
      text += `${JSON.stringify(line)}\n`;
      after = r.line;
    }
    yield text;
  }
}
