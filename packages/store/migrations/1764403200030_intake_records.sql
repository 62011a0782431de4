-- Up Migration
-- Idempotent intake (DESIGN.md invariant 4): one row per source record holding the
-- highest version intake accepted, so a re-sent record changes nothing, a higher
-- version replaces it, a lower one is refused, and two identical uploads running at
-- once end with one record (the primary key serialises them). No identifier here.
CREATE TABLE intake.records (
  agency            text NOT NULL,
  dataset           text NOT NULL,
  source_record_id  text NOT NULL,
  version           bigint NOT NULL,
  withdrawn         boolean NOT NULL DEFAULT false,
  -- The upload and file line that brought this version (finds a repeat within a file).
  upload_id         uuid NOT NULL,
  line              integer NOT NULL,
  accepted_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency, dataset, source_record_id)
);

-- The verdict file: one line per record of an upload's latest attempt.
CREATE TABLE intake.verdicts (
  upload_id         uuid NOT NULL,
  line              integer NOT NULL,
  source_record_id  text,
  outcome           text NOT NULL CHECK (outcome IN ('accepted', 'unchanged', 'refused')),
  field             text,
  code              text,
  message           text,
  PRIMARY KEY (upload_id, line)
);

ALTER TABLE intake.uploads DROP CONSTRAINT uploads_status_check;
ALTER TABLE intake.uploads
  ADD CONSTRAINT uploads_status_check
    CHECK (status IN ('receiving', 'complete', 'failed', 'refused', 'interrupted')),
  ADD COLUMN format text NOT NULL DEFAULT 'csv',
  ADD COLUMN attempts integer NOT NULL DEFAULT 1,
  ADD COLUMN through_line integer NOT NULL DEFAULT 0,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN reason text;

-- Down Migration
ALTER TABLE intake.uploads DROP COLUMN reason, DROP COLUMN updated_at, DROP COLUMN through_line,
  DROP COLUMN attempts, DROP COLUMN format;
DROP TABLE intake.verdicts;
DROP TABLE intake.records;
