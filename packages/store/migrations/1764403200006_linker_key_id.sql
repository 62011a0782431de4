-- Up Migration
-- Linkage-key rotation: every stored pseudonym carries the id of the key chain that
-- made it, and the linker remembers which version its store is at.
ALTER TABLE linker.records ADD COLUMN key_id text NOT NULL DEFAULT '';
CREATE INDEX records_key_version ON linker.records (key_version);

CREATE TABLE linker.key_state (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  key_version  integer NOT NULL,
  key_id       text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE linker.key_state;
ALTER TABLE linker.records DROP COLUMN key_id;
