/**
 * Quality reports (issue 9) from the stored upload profiles and the linker's
 * per-dataset counts. An agency reads only its own datasets' and uploads' reports,
 * and they hold counts, shares and field names — never a value or record id.
 */
import type { DatasetQualityStats } from "@kruispunt/contracts";
import type { ServiceContext } from "@kruispunt/service-kit";
import { serviceGet } from "@kruispunt/service-kit";
import type { Pool } from "@kruispunt/store";
import { type Drift, driftFrom } from "./drift";
import type { UploadProfile } from "./profile";

export interface UploadReport {
  uploadId: string;
  agency: string;
  dataset: string;
  acceptedAt: string | null;
  profile: UploadProfile;
  /** Null for the dataset's first profiled upload. */
  drift: Drift | null;
}

export interface DatasetReport {
  agency: string;
  dataset: string;
  uploads: number;
  latestUpload: UploadReport | null;
  /** Null while the linker does not answer. */
  linkageStore: {
    records: number;
    duplicateIdentifierRecords: number;
    duplicateIdentifierGroups: number;
    /** Linkage rate against every other dataset, exact and probabilistic by method. */
    linkage: DatasetQualityStats["linkage"];
  } | null;
  freshness: {
    /** Record's own date to acceptance (latest upload), if the catalogue names a record date. */
    recordAgeDays: UploadProfile["recordAgeDays"];
    /**
     * Acceptance of the latest upload to the last of the dataset's records reaching the
     * linkage store, in seconds (null before it did, or without a linker answer).
     */
    acceptanceToLinkedSeconds: number | null;
  };
}

/** Stores the profile of a finished upload. */
export async function saveProfile(
  pool: Pool,
  uploadId: string,
  agency: string,
  dataset: string,
  profile: UploadProfile,
): Promise<void> {
  await pool.query(
    "INSERT INTO intake.upload_quality (upload_id, agency, dataset, profile) VALUES ($1, $2, $3, $4) ON CONFLICT (upload_id) DO NOTHING",
    [uploadId, agency, dataset, profile],
  );
}

/** The upload's report, or null if the agency has no such profiled upload. */
export async function uploadReport(
  pool: Pool,
  agency: string,
  uploadId: string,
): Promise<UploadReport | null> {
  const { rows } = await pool.query<{
    upload_id: string;
    dataset: string;
    profile: UploadProfile;
    finished_at: Date | null;
    created_at: Date;
  }>(
    `SELECT q.upload_id, q.dataset, q.profile, q.created_at, u.finished_at
     FROM intake.upload_quality q JOIN intake.uploads u USING (upload_id)
     WHERE q.upload_id = $1 AND q.agency = $2`,
    [uploadId, agency],
  );
  const row = rows[0];
  if (!row) return null;
  const previous = await pool.query<{ upload_id: string; profile: UploadProfile }>(
    `SELECT upload_id, profile FROM intake.upload_quality
     WHERE agency = $1 AND dataset = $2 AND (created_at, upload_id) < ($3, $4)
     ORDER BY created_at DESC, upload_id DESC LIMIT 1`,
    [agency, row.dataset, row.created_at, row.upload_id],
  );
  const before = previous.rows[0];
  return {
    uploadId: row.upload_id,
    agency,
    dataset: row.dataset,
    acceptedAt: row.finished_at ? row.finished_at.toISOString() : null,
    profile: row.profile,
    drift: before ? driftFrom(before.upload_id, before.profile, row.profile) : null,
  };
}

/** The dataset's report; null if the agency has no such dataset. */
export async function datasetReport(
  ctx: ServiceContext,
  agency: string,
  dataset: string,
): Promise<DatasetReport | null> {
  const known = await ctx.pool.query(
    "SELECT 1 FROM intake.datasets WHERE agency = $1 AND dataset = $2",
    [agency, dataset],
  );
  if (known.rowCount === 0) return null;
  const uploads = await ctx.pool.query<{ upload_id: string; n: number }>(
    `SELECT upload_id, count(*) OVER ()::int AS n FROM intake.upload_quality
     WHERE agency = $1 AND dataset = $2 ORDER BY created_at DESC, upload_id DESC LIMIT 1`,
    [agency, dataset],
  );
  const latestId = uploads.rows[0]?.upload_id;
  const latest = latestId ? await uploadReport(ctx.pool, agency, latestId) : null;
  let stats: DatasetQualityStats | null | undefined = null;
  try {
    const all = await serviceGet<{ datasets: DatasetQualityStats[] }>(
      ctx.config.serviceUrls.linker,
      ctx.jwtSecret,
      "intake",
      "/v1/quality/datasets",
    );
    stats = all.datasets.find((d) => d.agency === agency && d.dataset === dataset);
  } catch (error) {
    ctx.logger.warn(
      { err: (error as Error).message },
      "linker did not answer for a quality report",
    );
  }
  const linkedAt = stats?.lastStoredAt ? Date.parse(stats.lastStoredAt) : null;
  const acceptedAt = latest?.acceptedAt ? Date.parse(latest.acceptedAt) : null;
  return {
    agency,
    dataset,
    uploads: uploads.rows[0]?.n ?? 0,
    latestUpload: latest,
    linkageStore:
      stats === null
        ? null
        : {
            records: stats?.records ?? 0,
            duplicateIdentifierRecords: stats?.duplicateIdentifierRecords ?? 0,
            duplicateIdentifierGroups: stats?.duplicateIdentifierGroups ?? 0,
            linkage: stats?.linkage ?? [],
          },
    freshness: {
      recordAgeDays: latest?.profile.recordAgeDays ?? null,
      acceptanceToLinkedSeconds:
        linkedAt !== null && acceptedAt !== null && linkedAt >= acceptedAt - 60_000
          ? Math.max(0, Math.round((linkedAt - acceptedAt) / 100) / 10)
          : null,
    },
  };
}
