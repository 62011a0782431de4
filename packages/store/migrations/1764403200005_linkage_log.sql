-- Up Migration
-- Linkage log (issue 7): which persons each extract released, and indexes that let
-- the audit service find a person's link decisions and releases without a scan.

-- One row per person released in an extract (suppressed persons are not members).
-- cluster_id names the person cluster (the linkage pseudonym of its first record);
-- project_pseudonym is the person's pseudonym in the extract's project.
CREATE TABLE release.extract_members (
  extract_id         uuid NOT NULL REFERENCES release.extracts,
  cluster_id         text NOT NULL,
  project_pseudonym  text NOT NULL,
  PRIMARY KEY (extract_id, cluster_id)
);
CREATE INDEX extract_members_cluster ON release.extract_members (cluster_id);
CREATE INDEX extract_members_project_pseudonym ON release.extract_members (project_pseudonym);

-- link.decision entries by cluster, and by the source records named in their object
-- ("agency/dataset/record agency/dataset/record").
CREATE INDEX entries_link_cluster ON audit.entries ((details->>'cluster'))
  WHERE action = 'link.decision';
CREATE INDEX entries_link_records ON audit.entries USING gin (string_to_array(object, ' '))
  WHERE action = 'link.decision';
-- release.* entries by the extract they concern.
CREATE INDEX entries_extract ON audit.entries ((details->>'extractId'));

-- Down Migration
DROP INDEX audit.entries_extract;
DROP INDEX audit.entries_link_records;
DROP INDEX audit.entries_link_cluster;
DROP TABLE release.extract_members;
