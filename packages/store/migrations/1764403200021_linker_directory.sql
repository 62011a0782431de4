-- Up Migration
-- Reference directory (issue 5), after KSZ-BCSS's verwijzingsrepertorium: for each person
-- cluster, which agency's dataset held which source record, and from when until when.
-- No content: the linker fills it from its own linkage events (services/linker/src/directory.ts).
CREATE TABLE linker.directory (
  agency            text NOT NULL,
  dataset           text NOT NULL,
  source_record_id  text NOT NULL,
  cluster_id        text NOT NULL,
  held_from         timestamptz NOT NULL DEFAULT now(),
  held_until        timestamptz,  -- NULL while the record is held in this cluster
  CHECK (held_until IS NULL OR held_until >= held_from)
);
-- At most one open period per source record.
CREATE UNIQUE INDEX directory_open ON linker.directory (agency, dataset, source_record_id)
  WHERE held_until IS NULL;
CREATE INDEX directory_cluster ON linker.directory (cluster_id);

-- Periods for the records already linked when this migration runs.
INSERT INTO linker.directory (agency, dataset, source_record_id, cluster_id, held_from)
SELECT agency, dataset, source_record_id, cluster_id, updated_at FROM linker.records
WHERE NOT withdrawn AND cluster_id IS NOT NULL;

-- Down Migration
DROP TABLE linker.directory;
