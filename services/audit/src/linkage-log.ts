/**
 * The linkage log on the audit side: for one linkage pseudonym, the link decisions
 * in the chain that touched that person, and the release entries of the extracts
 * that (as the release service's linkage log says) included them.
 *
 * A person cluster is named by the linkage pseudonym of its first record, and every
 * `link.decision` entry carries its cluster in details.cluster and the two source
 * records it links in its object ("agency/dataset/record agency/dataset/record").
 * The log is those entries, plus every other link decision on the same source
 * records (an unlink after a withdrawal, a decision made under another cluster).
 * Only pseudonyms, agencies' own record numbers and audit fields are returned.
 */
import type { ChainEntry } from "@kruispunt/audit-chain";
import type { Pool } from "@kruispunt/store";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { rowToEntry } from "./chain-store";
import { parseOr400 } from "./routes";

/** Most entries of one kind returned; a person with more is reported `truncated`. */
export const LINKAGE_LOG_LIMIT = 1000;

/** The audit side of a person's linkage log. */
export interface LinkageLog {
  linkagePseudonym: string;
  /** Source records (agency/dataset/record id) named by the person's link decisions, sorted. */
  records: string[];
  /** link.decision entries on those records, in seq order. */
  decisions: ChainEntry[];
  /** release.* entries whose details.extractId is one of the extracts asked about, in seq order. */
  releases: ChainEntry[];
  /** True if decisions or releases were cut at LINKAGE_LOG_LIMIT. */
  truncated: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const querySchema = z.object({
  linkagePseudonym: z.string().regex(HEX64, "a linkage pseudonym: 64 lowercase hex characters"),
  extractId: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().regex(UUID, "an extract id (UUID)")).max(100)),
});

/**
 * Reads the linkage log of `linkagePseudonym` (64 lowercase hex) from audit.entries,
 * with the release entries of `extractIds` (UUIDs). Uses the partial indexes of
 * migration 1764403200005, so cost grows with the person's entries, not the log's.
 */
export async function readLinkageLog(
  pool: Pool,
  linkagePseudonym: string,
  extractIds: string[],
): Promise<LinkageLog> {
  const limit = LINKAGE_LOG_LIMIT + 1;
  const byCluster = await pool.query<{ object: string }>(
    `SELECT object FROM audit.entries
     WHERE action = 'link.decision' AND details->>'cluster' = $1 ORDER BY seq LIMIT $2`,
    [linkagePseudonym, limit],
  );
  const records = [
    ...new Set(byCluster.rows.flatMap((r) => r.object.split(" ").filter(Boolean))),
  ].sort();
  const decisions =
    records.length === 0
      ? []
      : (
          await pool.query(
            `SELECT * FROM audit.entries
             WHERE action = 'link.decision' AND string_to_array(object, ' ') && $1::text[]
             ORDER BY seq LIMIT $2`,
            [records, limit],
          )
        ).rows.map(rowToEntry);
  const releases =
    extractIds.length === 0
      ? []
      : (
          await pool.query(
            `SELECT * FROM audit.entries
             WHERE details->>'extractId' = ANY($1::text[]) AND starts_with(action, 'release.')
             ORDER BY seq LIMIT $2`,
            [extractIds, limit],
          )
        ).rows.map(rowToEntry);
  return {
    linkagePseudonym,
    records,
    decisions: decisions.slice(0, LINKAGE_LOG_LIMIT),
    releases: releases.slice(0, LINKAGE_LOG_LIMIT),
    truncated:
      byCluster.rows.length > LINKAGE_LOG_LIMIT ||
      decisions.length > LINKAGE_LOG_LIMIT ||
      releases.length > LINKAGE_LOG_LIMIT,
  };
}

/**
 * `GET /v1/audit/linkage-log?linkagePseudonym=LP[&extractId=UUID…]` (role auditor) →
 * LinkageLog. The extract ids (at most 100) are those the release service's
 * `GET /v1/linkage-log` lists for the person; `kruispunt audit linkage-log` asks
 * release first and passes them on. 400 naming the field when linkagePseudonym is
 * not 64 lowercase hex or an extractId is not a UUID; 200 with empty lists for a
 * pseudonym the log never mentions.
 */
export function registerLinkageLog(app: FastifyInstance, pool: Pool): void {
  app.get("/v1/audit/linkage-log", { preHandler: app.authorize("auditor") }, async (request) => {
    const q = parseOr400(querySchema, request.query);
    return readLinkageLog(pool, q.linkagePseudonym, q.extractId);
  });
}
