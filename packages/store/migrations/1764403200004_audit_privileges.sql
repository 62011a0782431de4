-- Up Migration
-- Append-only by privilege as well as by trigger (issue 7). The audit service's
-- connections SET ROLE kruispunt_audit_writer, which may read and append to the
-- audit log and nothing else: an UPDATE, DELETE or TRUNCATE fails with a permission
-- error before any trigger runs, even from a bug in the service.
--
-- Roles belong to the PostgreSQL cluster, not to one database: the role is created
-- once (several databases, e.g. test runs, share it) and only granted here.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kruispunt_audit_writer') THEN
    CREATE ROLE kruispunt_audit_writer NOLOGIN;
  END IF;
EXCEPTION
  -- Another database's migration created it at the same moment.
  WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- A login that is not a superuser can SET ROLE only to a role it is a member of.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT kruispunt_audit_writer TO %I', current_user);
  END IF;
END $$;

REVOKE ALL ON SCHEMA audit FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit.entries, audit.checkpoints FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO kruispunt_audit_writer;
GRANT SELECT, INSERT ON audit.entries, audit.checkpoints TO kruispunt_audit_writer;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit.entries, audit.checkpoints
  FROM kruispunt_audit_writer;

-- Down Migration
-- The role stays: other databases of the cluster may still grant it privileges.
REVOKE ALL ON audit.entries, audit.checkpoints FROM kruispunt_audit_writer;
REVOKE ALL ON SCHEMA audit FROM kruispunt_audit_writer;
