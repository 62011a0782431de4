-- Up Migration
-- Link decisions become a per-pair transition log (issue 5): a pair linked, unlinked by a
-- withdrawal and linked again when the record returns keeps all three decisions. seq
-- numbers a pair's decisions 1, 2, 3, …; a decision is stored only when it changes the
-- pair's current state (its latest outcome), so a replayed Kafka batch stores nothing new.
ALTER TABLE linker.decisions ADD COLUMN seq integer;
UPDATE linker.decisions d SET seq = n.seq
FROM (SELECT decision_id,
             row_number() OVER (PARTITION BY left_ref, right_ref ORDER BY decision_id)::int AS seq
      FROM linker.decisions) n
WHERE d.decision_id = n.decision_id;
ALTER TABLE linker.decisions ALTER COLUMN seq SET NOT NULL;
ALTER TABLE linker.decisions DROP CONSTRAINT decisions_left_ref_right_ref_outcome_key;
ALTER TABLE linker.decisions ADD CONSTRAINT decisions_pair_seq UNIQUE (left_ref, right_ref, seq);

-- Down Migration
ALTER TABLE linker.decisions DROP CONSTRAINT decisions_pair_seq;
DELETE FROM linker.decisions d WHERE EXISTS (
  SELECT 1 FROM linker.decisions e WHERE e.left_ref = d.left_ref AND e.right_ref = d.right_ref
    AND e.outcome = d.outcome AND e.seq < d.seq);
ALTER TABLE linker.decisions ADD CONSTRAINT decisions_left_ref_right_ref_outcome_key
  UNIQUE (left_ref, right_ref, outcome);
ALTER TABLE linker.decisions DROP COLUMN seq;
