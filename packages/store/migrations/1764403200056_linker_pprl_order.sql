-- Up Migration
-- Order-independent probabilistic linkage (issue 5 item 4, services/linker/src/settle.ts).

-- A record's reference "agency/dataset/source_record_id", as pairs name it.
ALTER TABLE linker.records
  ADD COLUMN ref text GENERATED ALWAYS AS (agency || '/' || dataset || '/' || source_record_id) STORED;
CREATE UNIQUE INDEX records_ref ON linker.records (ref);

-- The cluster a record's exact group (records sharing its pseudonym) is named by when no
-- probabilistic link joins it to another: its pseudonym's cluster, kept across key
-- rotations. cluster_id may differ when the group is joined to another group.
ALTER TABLE linker.records ADD COLUMN home_cluster text;
UPDATE linker.records r SET home_cluster = CASE
    WHEN NOT EXISTS (SELECT 1 FROM linker.records o WHERE o.linkage_pseudonym = r.linkage_pseudonym
                       AND o.key_id = r.key_id AND NOT o.withdrawn AND o.linked_by <> 'exact')
    THEN r.cluster_id ELSE r.linkage_pseudonym END
  WHERE NOT r.withdrawn;
CREATE INDEX records_home_cluster ON linker.records (home_cluster);

-- Scored candidate pairs: two live records of different datasets sharing a blocking key
-- whose match weight is at least the review threshold; left_ref < right_ref.
CREATE TABLE linker.candidates (
  left_ref   text NOT NULL,
  right_ref  text NOT NULL,
  score      double precision NOT NULL,
  levels     integer[] NOT NULL,
  PRIMARY KEY (left_ref, right_ref)
);
CREATE INDEX candidates_right ON linker.candidates (right_ref);
-- Probabilistic links made before this migration stay candidates with their weight.
INSERT INTO linker.candidates (left_ref, right_ref, score, levels)
SELECT DISTINCT ON (left_ref, right_ref) left_ref, right_ref, score, '{}'
FROM linker.decisions WHERE method = 'pprl' AND outcome = 'link'
ORDER BY left_ref, right_ref, seq DESC
ON CONFLICT DO NOTHING;

-- A pair's decisions are also looked up by its right record.
CREATE INDEX decisions_right ON linker.decisions (right_ref);
CREATE INDEX review_right ON linker.review (right_ref);

-- Down Migration
DROP INDEX linker.review_right;
DROP INDEX linker.decisions_right;
DROP TABLE linker.candidates;
ALTER TABLE linker.records DROP COLUMN home_cluster;
ALTER TABLE linker.records DROP COLUMN ref;
