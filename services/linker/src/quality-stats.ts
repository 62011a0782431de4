/**
 * Aggregates of the linkage store for the data-quality reports (issue 9): per
 * dataset its current records, records that share a linkage pseudonym with another
 * record of the same dataset (duplicate identifiers), when its last record was
 * stored, and its linkage rate against every other dataset, split by the method of
 * the link decision ("exact" here; the probabilistic linker records its own method).
 * Counts only: no record id, pseudonym or variable leaves through it.
 */
import type { DatasetLinkage, DatasetQualityStats } from "@kruispunt/contracts";
import { routeDoc } from "@kruispunt/service-kit";
import type { Pool } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { analyzeRecordsIfStale } from "./fresh-statistics";

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Computes the stats of every dataset in the linkage store (one pass per aggregate). */
export async function datasetQualityStats(pool: Pool): Promise<DatasetQualityStats[]> {
  const base = await pool.query<{
    agency: string;
    dataset: string;
    records: number;
    withdrawn: number;
    last: Date | null;
  }>(
    `SELECT agency, dataset, count(*) FILTER (WHERE NOT withdrawn)::int AS records,
            count(*) FILTER (WHERE withdrawn)::int AS withdrawn, max(updated_at) AS last
     FROM linker.records GROUP BY agency, dataset ORDER BY agency, dataset`,
  );
  const dups = await pool.query<{ agency: string; dataset: string; recs: number; groups: number }>(
    `SELECT agency, dataset, sum(n)::int AS recs, count(*)::int AS groups FROM (
       SELECT agency, dataset, count(*) AS n FROM linker.records WHERE NOT withdrawn
       GROUP BY agency, dataset, key_id, linkage_pseudonym HAVING count(*) > 1) d
     GROUP BY agency, dataset`,
  );
  // Pairs are stored under their references in code-point order (exact-linkage.ts sorts
  // them in JavaScript), hence COLLATE "C" to find the decision of a pair.
  const links = await pool.query<{
    agency: string;
    dataset: string;
    other: string;
    method: string | null;
    n: number;
  }>(
    `WITH cur AS (
       SELECT agency, dataset, source_record_id, cluster_id,
              (agency || '/' || dataset || '/' || source_record_id) COLLATE "C" AS ref
       FROM linker.records WHERE NOT withdrawn AND cluster_id IS NOT NULL)
     SELECT a.agency, a.dataset, b.agency || '/' || b.dataset AS other, d.method,
            count(DISTINCT a.source_record_id)::int AS n
     FROM cur a JOIN cur b ON a.cluster_id = b.cluster_id
       AND (a.agency, a.dataset) <> (b.agency, b.dataset)
     LEFT JOIN (
       -- a relinked pair counts under the method of its latest link
       SELECT DISTINCT ON (left_ref, right_ref) left_ref, right_ref, method FROM linker.decisions
       WHERE outcome = 'link' ORDER BY left_ref, right_ref, seq DESC
     ) d ON d.left_ref = least(a.ref, b.ref) AND d.right_ref = greatest(a.ref, b.ref)
     GROUP BY GROUPING SETS ((a.agency, a.dataset, other, d.method), (a.agency, a.dataset, other))`,
  );
  return base.rows.map((row) => {
    const dup = dups.rows.find((d) => d.agency === row.agency && d.dataset === row.dataset);
    const mine = links.rows.filter((l) => l.agency === row.agency && l.dataset === row.dataset);
    const others = [...new Set(mine.map((l) => l.other))].sort();
    return {
      agency: row.agency,
      dataset: row.dataset,
      records: row.records,
      withdrawn: row.withdrawn,
      duplicateIdentifierRecords: dup?.recs ?? 0,
      duplicateIdentifierGroups: dup?.groups ?? 0,
      lastStoredAt: row.last ? row.last.toISOString() : null,
      linkage: others.map((other) => {
        // The grouping set without method gives the total (its method column is NULL
        // and so is that of links without a stored decision: tell them apart by count).
        const rows = mine.filter((l) => l.other === other);
        const total = Math.max(...rows.map((l) => l.n));
        const byMethod: Record<string, number> = {};
        for (const l of rows) if (l.method !== null) byMethod[l.method] = l.n;
        return {
          dataset: other,
          linked: total,
          rate: row.records > 0 ? round4(total / row.records) : 0,
          byMethod,
        };
      }),
    };
  });
}

/**
 * `GET /v1/quality/datasets` (role service; intake's quality reports and catalogue
 * call it) → `{datasets: DatasetQualityStats[]}`.
 */
export function registerQualityStats(app: FastifyInstance, pool: Pool): void {
  app.get(
    "/v1/quality/datasets",
    {
      preHandler: app.authorize("service"),
      schema: routeDoc(
        "Per dataset: current records, duplicate identifiers, last stored record and linkage rate against each other dataset by method. Counts only.",
      ),
    },
    async () => {
      await analyzeRecordsIfStale(pool);
      return { datasets: await datasetQualityStats(pool) };
    },
  );
}
