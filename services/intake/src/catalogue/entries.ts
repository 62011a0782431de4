/**
 * Catalogue entries: a registered dataset contract with its published metadata,
 * its last accepted upload and its current record count. No record-level data.
 * Full-text search uses the GIN-indexed tsvector of intake.catalogue (migration
 * 1764403200020_catalogue.sql) with websearch_to_tsquery('simple', q) and ts_rank.
 */
import { contractSchema, type Variable } from "@kruispunt/contracts";
import type { Pool } from "@kruispunt/store";
import type { Frequency } from "./metadata";

export interface CatalogueEntry {
  /** AGENCY/DATASET, the reference project requests use. */
  ref: string;
  agency: string;
  dataset: string;
  title: string;
  description: string;
  /** The owning agency (network institution). */
  publisher: string;
  identifierScheme: string;
  mode: "keyed" | "blind";
  variables: Variable[];
  coverage: { from: string; to?: string } | null;
  updateFrequency: Frequency;
  legalBasis: string | null;
  recordDateVariable: string | null;
  languages: string[];
  /** When the last upload was accepted (ISO 8601), or null before the first. */
  lastUpdate: string | null;
  /** Current records in the linkage store; null while the linker does not answer. */
  recordCount: number | null;
  publishedAt: string;
  updatedAt: string;
  /** ts_rank of a search hit (search only). */
  rank?: number;
}

interface Row {
  agency: string;
  dataset: string;
  title: string;
  description: string;
  metadata: Record<string, unknown>;
  contract: unknown;
  published_at: Date;
  updated_at: Date;
  last_update: Date | null;
  rank?: number;
}

/**
 * The entries matching `filter` (all if empty), ordered by AGENCY/DATASET, or by
 * rank for a search. `recordCounts` maps AGENCY/DATASET to current records.
 */
export async function loadEntries(
  pool: Pool,
  filter: { search?: string; agency?: string; dataset?: string },
  recordCounts: Map<string, number> | null,
): Promise<CatalogueEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.search !== undefined) {
    params.push(filter.search);
    where.push(`c.search @@ websearch_to_tsquery('simple', $${params.length})`);
  }
  if (filter.agency !== undefined) {
    params.push(filter.agency);
    where.push(`c.agency = $${params.length}`);
  }
  if (filter.dataset !== undefined) {
    params.push(filter.dataset);
    where.push(`c.dataset = $${params.length}`);
  }
  const rank =
    filter.search !== undefined
      ? ", ts_rank(c.search, websearch_to_tsquery('simple', $1))::float8 AS rank"
      : "";
  const { rows } = await pool.query<Row>(
    `SELECT c.agency, c.dataset, c.title, c.description, c.metadata, d.contract,
            c.published_at, c.updated_at${rank},
            (SELECT max(u.finished_at) FROM intake.uploads u
              WHERE u.agency = c.agency AND u.dataset = c.dataset AND u.status = 'complete') AS last_update
     FROM intake.catalogue c JOIN intake.datasets d USING (agency, dataset)
     ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY ${rank ? "rank DESC, " : ""}c.agency, c.dataset`,
    params,
  );
  return rows.map((r) => toEntry(r, recordCounts));
}

function toEntry(r: Row, recordCounts: Map<string, number> | null): CatalogueEntry {
  const contract = contractSchema.parse(r.contract);
  const m = r.metadata as {
    coverage?: { from: string; to?: string };
    updateFrequency?: Frequency;
    legalBasis?: string;
    recordDateVariable?: string;
    languages?: string[];
  };
  const ref = `${r.agency}/${r.dataset}`;
  return {
    ref,
    agency: r.agency,
    dataset: r.dataset,
    title: r.title,
    description: r.description,
    publisher: r.agency,
    identifierScheme: contract.identifier.scheme,
    mode: contract.mode,
    variables: contract.variables,
    coverage: m.coverage ?? null,
    updateFrequency: m.updateFrequency ?? "unknown",
    legalBasis: m.legalBasis ?? null,
    recordDateVariable: m.recordDateVariable ?? null,
    languages: m.languages ?? ["en"],
    lastUpdate: r.last_update ? r.last_update.toISOString() : null,
    recordCount: recordCounts ? (recordCounts.get(ref) ?? 0) : null,
    publishedAt: r.published_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    ...(r.rank !== undefined ? { rank: Math.round(r.rank * 1e6) / 1e6 } : {}),
  };
}
