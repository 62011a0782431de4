/**
 * Keeps the planner's statistics of linker.records fresh enough for the self-joins behind
 * `/v1/links` and `/v1/quality/datasets`.
 *
 * Why: records arrive in bulk (a whole upload within seconds), and autovacuum analyses a
 * table only on its own schedule (a minute or more later). Until then PostgreSQL believes
 * the table holds a handful of rows, estimates one row per side of the join and picks a
 * nested loop: on FEBRL 4 (5,000 × 5,000 records) that is 25M comparisons, 8 s on an idle
 * machine and over the 30 s connection timeout under load. An ANALYZE of linker.records
 * samples at most 30,000 rows (tens of milliseconds), so it is run whenever more than a
 * tenth of the table changed since the last one.
 */
import type { Pool } from "@kruispunt/store";

/** Runs ANALYZE linker.records if > 10 % of its rows (and > 100) changed since the last analyse. */
export async function analyzeRecordsIfStale(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ stale: boolean }>(
    `SELECT COALESCE(n_mod_since_analyze > GREATEST(100, n_live_tup / 10), true) AS stale
       FROM pg_stat_user_tables WHERE schemaname = 'linker' AND relname = 'records'`,
  );
  if (!(rows[0]?.stale ?? false)) return false;
  await pool.query("ANALYZE linker.records");
  return true;
}

/** The tables a linker batch reads or updates by arrays of keys (linkRecords, settle, updateDirectory). */
const BATCH_TABLES = ["records", "encodings", "candidates", "decisions", "review", "directory"];

/**
 * Runs ANALYZE on each of the batch's tables that has grown or changed by more than half
 * (and 1,000 rows) since its last analyse; returns the tables analysed. For the same
 * reason as above: without statistics PostgreSQL takes `home_cluster = ANY($1)` over a
 * batch's 1,000 references for most of the table and scans all of linker.records
 * (75 ms at 100,000 records, against about 5 ms through the index), several times a
 * batch. The threshold keeps it to about 17 analyses of each table on the way to
 * 1M records.
 */
export async function analyzeBatchTablesIfStale(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ relname: string }>(
    `SELECT relname FROM pg_stat_user_tables
     WHERE schemaname = 'linker' AND relname = ANY($1)
       AND n_mod_since_analyze > GREATEST(1000, n_live_tup / 2)`,
    [BATCH_TABLES],
  );
  for (const { relname } of rows) await pool.query(`ANALYZE linker.${relname}`);
  return rows.map((r) => r.relname);
}
