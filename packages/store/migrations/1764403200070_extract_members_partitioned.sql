-- Up Migration
-- release.extract_members becomes one partition per extract (issue 6: a 1M-person extract
-- spent most of its time in PostgreSQL storing members). An extract build now COPYs its
-- released persons into a fresh table of its own (no index, no per-row foreign-key
-- check) and attaches it as a partition once: PostgreSQL then builds the partition's
-- indexes in one sorted pass. In SQL alone, 1M members took 48.6 s into the single
-- table (foreign key + 3 indexes) and ~15 s this way, at load 12–17 on the 2-core
-- machine.
--
-- No foreign key: attaching a partition of a table with one (or creating a table with
-- one) takes SHARE ROW EXCLUSIVE on release.extracts, which waits for every other build
-- in progress (each holds its extracts row from its start) and can deadlock with them.
-- Integrity is kept set-wise instead: every row of a partition has its extract id (the
-- partition bound, checked when attaching), the builder locks that release.extracts row
-- FOR KEY SHARE before attaching (storeExtractMembers), and the trigger below refuses to
-- delete an extract, or change its id, while it has members (what the foreign key's
-- NO ACTION did).
--
-- The primary key leads with cluster_id, so a lookup by person (the linkage log) uses it
-- on every partition and no separate cluster index is needed; a lookup by extract prunes
-- to one partition. Pseudonyms are lowercase hex, so COLLATE "C" sorts them as the
-- default collation would, without strcoll.
ALTER TABLE release.extract_members RENAME TO extract_members_unpartitioned;
ALTER INDEX release.extract_members_pkey RENAME TO extract_members_unpartitioned_pkey;
ALTER INDEX release.extract_members_cluster RENAME TO extract_members_unpartitioned_cluster;
ALTER INDEX release.extract_members_project_pseudonym
  RENAME TO extract_members_unpartitioned_project_pseudonym;

CREATE TABLE release.extract_members (
  extract_id         uuid NOT NULL,
  cluster_id         text COLLATE "C" NOT NULL,
  project_pseudonym  text COLLATE "C" NOT NULL,
  PRIMARY KEY (cluster_id, extract_id)
) PARTITION BY LIST (extract_id);
CREATE INDEX extract_members_project_pseudonym
  ON release.extract_members (project_pseudonym);

-- Existing members move into one partition per extract, named as the builder names them.
DO $$
DECLARE
  e uuid;
BEGIN
  FOR e IN SELECT DISTINCT extract_id FROM release.extract_members_unpartitioned LOOP
    EXECUTE format(
      'CREATE TABLE release.%I PARTITION OF release.extract_members FOR VALUES IN (%L)',
      'extract_members_' || replace(e::text, '-', ''), e);
  END LOOP;
END $$;
INSERT INTO release.extract_members (extract_id, cluster_id, project_pseudonym)
  SELECT extract_id, cluster_id, project_pseudonym FROM release.extract_members_unpartitioned;
DROP TABLE release.extract_members_unpartitioned;

CREATE FUNCTION release.extract_keeps_members() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM release.extract_members WHERE extract_id = OLD.extract_id) THEN
    RAISE EXCEPTION 'extract % has members: it cannot be deleted or renamed', OLD.extract_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER extracts_keep_members BEFORE DELETE OR UPDATE OF extract_id ON release.extracts
  FOR EACH ROW EXECUTE FUNCTION release.extract_keeps_members();

-- Down Migration
DROP TRIGGER extracts_keep_members ON release.extracts;
DROP FUNCTION release.extract_keeps_members();
CREATE TABLE release.extract_members_unpartitioned (
  extract_id         uuid NOT NULL REFERENCES release.extracts,
  cluster_id         text NOT NULL,
  project_pseudonym  text NOT NULL,
  PRIMARY KEY (extract_id, cluster_id)
);
INSERT INTO release.extract_members_unpartitioned
  SELECT extract_id, cluster_id, project_pseudonym FROM release.extract_members;
DROP TABLE release.extract_members;
ALTER TABLE release.extract_members_unpartitioned RENAME TO extract_members;
ALTER INDEX release.extract_members_unpartitioned_pkey RENAME TO extract_members_pkey;
CREATE INDEX extract_members_cluster ON release.extract_members (cluster_id);
CREATE INDEX extract_members_project_pseudonym ON release.extract_members (project_pseudonym);
