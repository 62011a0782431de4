-- Up Migration
-- The linkage store: one row per source record (its latest version), keyed so that
-- the table can be distributed by linkage pseudonym (Citus) unchanged.
CREATE SCHEMA linker;

CREATE TABLE linker.records (
  agency              text NOT NULL,
  dataset             text NOT NULL,
  source_record_id    text NOT NULL,
  version             bigint NOT NULL,
  linkage_pseudonym   text NOT NULL,
  key_version         integer NOT NULL,
  keyring_fingerprint text NOT NULL,
  cluster_id          text,
  variables           jsonb NOT NULL,
  withdrawn           boolean NOT NULL DEFAULT false,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency, dataset, source_record_id)
);
CREATE INDEX records_linkage_pseudonym ON linker.records (linkage_pseudonym);
CREATE INDEX records_cluster ON linker.records (cluster_id);

-- One row per link decision between two source records of different datasets.
CREATE TABLE linker.decisions (
  decision_id         bigserial PRIMARY KEY,
  left_ref            text NOT NULL,  -- agency/dataset/source_record_id
  right_ref           text NOT NULL,
  cluster_id          text NOT NULL,
  method              text NOT NULL,
  score               double precision NOT NULL,
  outcome             text NOT NULL CHECK (outcome IN ('link', 'unlink')),
  decided_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (left_ref, right_ref, outcome)
);

-- Down Migration
DROP SCHEMA linker CASCADE;
