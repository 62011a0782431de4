-- Up Migration
-- Fellegi–Sunter parameters estimated by EM on this deployment's own candidate pairs
-- (issue 5; services/linker/src/estimate.ts). The highest version of a schema is the one
-- the linker scores with; with none, the parameters shipped in packages/pprl (EM on
-- FEBRL 4). Aggregates of agreement levels only: no record, no identifier.
CREATE TABLE linker.fs_parameters (
  version       serial PRIMARY KEY,
  schema_id     text NOT NULL,
  p             double precision NOT NULL,
  m             jsonb NOT NULL,   -- m[field][level]
  u             jsonb NOT NULL,   -- u[field][level]
  pairs         bigint NOT NULL,  -- candidate pairs EM ran on
  patterns      integer NOT NULL, -- distinct comparison vectors among them
  estimated_by  text NOT NULL,
  estimated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fs_parameters_schema ON linker.fs_parameters (schema_id, version DESC);

-- Estimation runs (POST /v1/linkage/parameters/estimate): one at a time, in the
-- background, since a relink of a large store outlasts an HTTP request.
CREATE TABLE linker.fs_estimates (
  estimate_id   bigserial PRIMARY KEY,
  status        text NOT NULL CHECK (status IN ('running', 'done', 'refused', 'failed')),
  requested_by  text NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  version       integer REFERENCES linker.fs_parameters (version),
  result        jsonb,   -- counts of the relink
  reason        text     -- why refused or failed (never a record's value)
);
-- At most one running estimate.
CREATE UNIQUE INDEX fs_estimates_one_running ON linker.fs_estimates ((true)) WHERE status = 'running';

-- Down Migration
DROP TABLE linker.fs_estimates;
DROP TABLE linker.fs_parameters;
