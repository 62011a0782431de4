/**
 * The Fellegi–Sunter parameters the linker scores with (issue 5: "m and u estimated by
 * EM"): the latest estimate on this deployment's own candidate pairs in
 * linker.fs_parameters (estimate.ts), or, before the first, the parameters shipped in
 * packages/pprl (PERSON_V1_PARAMETERS: EM on the candidate pairs of FEBRL 4). Version 0
 * names the shipped ones.
 */
import {
  type FsParameters,
  getSchema,
  PERSON_SCHEMA_V1,
  PERSON_V1_PARAMETERS,
  Scorer,
} from "@kruispunt/pprl";
import type { Pool, PoolClient } from "@kruispunt/store";

export interface ActiveParameters {
  /** 0: shipped with the software; 1, 2, …: estimated here. */
  version: number;
  schemaId: string;
  params: FsParameters;
  /** Candidate pairs and distinct comparison vectors EM ran on (null when shipped). */
  pairs: number | null;
  patterns: number | null;
  estimatedBy: string | null;
  estimatedAt: string | null;
}

const shipped = (schemaId: string): ActiveParameters => ({
  version: 0,
  schemaId,
  params: PERSON_V1_PARAMETERS,
  pairs: null,
  patterns: null,
  estimatedBy: null,
  estimatedAt: null,
});

/** The parameters in force for `schemaId` (see module doc). */
export async function activeParameters(
  db: Pool | PoolClient,
  schemaId: string = PERSON_SCHEMA_V1.id,
): Promise<ActiveParameters> {
  const { rows } = await db.query<{
    version: number;
    p: number;
    m: number[][];
    u: number[][];
    pairs: string;
    patterns: number;
    estimated_by: string;
    estimated_at: Date;
  }>(
    `SELECT version, p, m, u, pairs, patterns, estimated_by, estimated_at FROM linker.fs_parameters
     WHERE schema_id = $1 ORDER BY version DESC LIMIT 1`,
    [schemaId],
  );
  const row = rows[0];
  if (!row) return shipped(schemaId);
  return {
    version: row.version,
    schemaId,
    params: { p: row.p, m: row.m, u: row.u },
    pairs: Number(row.pairs),
    patterns: row.patterns,
    estimatedBy: row.estimated_by,
    estimatedAt: row.estimated_at.toISOString(),
  };
}

// One Scorer per (schema, version): a version's parameters never change once stored.
const scorers = new Map<string, Scorer>();

/** A Scorer with the parameters in force for `schemaId`. */
export async function activeScorer(
  db: Pool | PoolClient,
  schemaId: string = PERSON_SCHEMA_V1.id,
): Promise<Scorer> {
  const active = await activeParameters(db, schemaId);
  const key = `${schemaId}\u0000${active.version}`;
  let scorer = scorers.get(key);
  if (!scorer) {
    scorer = new Scorer(getSchema(schemaId), active.params);
    scorers.set(key, scorer);
  }
  return scorer;
}

/** Stores a new estimate for `schemaId`; returns its version. */
export async function saveParameters(
  client: PoolClient,
  schemaId: string,
  params: FsParameters,
  counts: { pairs: number; patterns: number },
  estimatedBy: string,
): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    `INSERT INTO linker.fs_parameters (schema_id, p, m, u, pairs, patterns, estimated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING version`,
    [
      schemaId,
      params.p,
      JSON.stringify(params.m),
      JSON.stringify(params.u),
      counts.pairs,
      counts.patterns,
      estimatedBy,
    ],
  );
  return (rows[0] as { version: number }).version;
}
