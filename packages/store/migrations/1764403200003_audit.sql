-- Up Migration
-- The hash-chained audit log. Append-only: a trigger refuses UPDATE, DELETE and
-- TRUNCATE, so changing it needs a superuser who disables triggers, which
-- verification then detects.
CREATE SCHEMA audit;

CREATE TABLE audit.entries (
  seq          bigint PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  occurred_at  text NOT NULL,   -- ISO-8601 UTC exactly as emitted (it is hashed)
  service      text NOT NULL,
  actor        text NOT NULL,
  role         text NOT NULL,
  action       text NOT NULL,
  object       text NOT NULL,
  reference    text,
  counts       jsonb NOT NULL,
  details      jsonb NOT NULL,
  prev_hash    text NOT NULL,
  hash         text NOT NULL,
  appended_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entries_action ON audit.entries (action);
CREATE INDEX entries_occurred ON audit.entries (occurred_at);

CREATE TABLE audit.checkpoints (
  seq          bigint PRIMARY KEY,
  hash         text NOT NULL,
  signed_at    text NOT NULL,
  key_version  integer NOT NULL,
  signature    text NOT NULL
);

CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$;

CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON audit.entries
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON audit.entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON audit.checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

-- Down Migration
DROP SCHEMA audit CASCADE;
