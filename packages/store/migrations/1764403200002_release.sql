-- Up Migration
-- Release keeps its own view of linked records (materialised from linkage.events),
-- research projects with their approvals, and the extracts built for them.
CREATE SCHEMA release;

CREATE TABLE release.records (
  agency              text NOT NULL,
  dataset             text NOT NULL,
  source_record_id    text NOT NULL,
  version             bigint NOT NULL,
  cluster_id          text NOT NULL,
  variables           jsonb NOT NULL,
  withdrawn           boolean NOT NULL DEFAULT false,
  PRIMARY KEY (agency, dataset, source_record_id)
);
CREATE INDEX release_records_cluster ON release.records (cluster_id);

CREATE TABLE release.projects (
  project_id          text PRIMARY KEY,
  title               text NOT NULL,
  spec                jsonb NOT NULL,
  researcher          text NOT NULL,
  status              text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'withdrawn')),
  decision_reference  text,
  decided_by          text,
  expires_at          timestamptz NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  decided_at          timestamptz
);

CREATE TABLE release.extracts (
  extract_id          uuid PRIMARY KEY,
  project_id          text NOT NULL REFERENCES release.projects,
  rows                integer NOT NULL,
  suppressed          integer NOT NULL,
  files               jsonb NOT NULL,
  report              jsonb NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP SCHEMA release CASCADE;
