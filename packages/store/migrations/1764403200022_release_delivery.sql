-- Up Migration
-- Release delivery (issue 6): the variables release has seen per dataset (to refuse
-- unknown ones), the committee's approved variables, and per extract its layout, who
-- built it, when its download links expire and the extract key sealed to each member.
CREATE TABLE release.dataset_variables (
  dataset  text NOT NULL,
  name     text NOT NULL,
  PRIMARY KEY (dataset, name)
);
INSERT INTO release.dataset_variables (dataset, name)
  SELECT DISTINCT agency || '/' || dataset, jsonb_object_keys(variables) FROM release.records
  ON CONFLICT DO NOTHING;

ALTER TABLE release.projects ADD COLUMN approved_variables text[];

ALTER TABLE release.extracts
  ADD COLUMN layout              text NOT NULL DEFAULT 'person' CHECK (layout IN ('person', 'record')),
  ADD COLUMN built_by            text,
  ADD COLUMN persons             integer,
  ADD COLUMN download_expires_at timestamptz,
  ADD COLUMN sealed_keys         jsonb;

-- Down Migration
ALTER TABLE release.extracts DROP COLUMN sealed_keys, DROP COLUMN download_expires_at,
  DROP COLUMN persons, DROP COLUMN built_by, DROP COLUMN layout;
ALTER TABLE release.projects DROP COLUMN approved_variables;
DROP TABLE release.dataset_variables;
