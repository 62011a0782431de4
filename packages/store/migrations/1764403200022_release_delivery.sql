-- Up Migration
-- Release delivery (issue 6): the committee's approved variables, and per extract its
-- layout, who built it, when its download links expire and the extract key sealed to
-- each member.

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
