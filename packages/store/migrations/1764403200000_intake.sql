-- Up Migration
-- Intake owns dataset contracts and uploads. It never stores identifiers.
CREATE SCHEMA intake;

CREATE TABLE intake.datasets (
  agency          text NOT NULL,
  dataset         text NOT NULL,
  contract        jsonb NOT NULL,
  registered_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency, dataset)
);

CREATE TABLE intake.uploads (
  upload_id       uuid PRIMARY KEY,
  agency          text NOT NULL,
  dataset         text NOT NULL,
  status          text NOT NULL CHECK (status IN ('receiving', 'complete', 'failed')),
  submitted       integer NOT NULL DEFAULT 0,
  accepted        integer NOT NULL DEFAULT 0,
  refused         integer NOT NULL DEFAULT 0,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);

-- Down Migration
DROP SCHEMA intake CASCADE;
