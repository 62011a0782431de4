-- Up Migration
-- Issue 9, findability and data quality.
--
-- intake.catalogue: one published entry per registered dataset contract (no record
-- data). Its search vector covers the title, the description and the contract's
-- variable names and descriptions, with PostgreSQL's 'simple' configuration (no
-- stemming: titles mix Dutch, French and English, and variable names must match as
-- written; the parser splits date_of_birth into date, of, birth).
CREATE TABLE intake.catalogue (
  agency        text NOT NULL,
  dataset       text NOT NULL,
  title         text NOT NULL,
  description   text NOT NULL DEFAULT '',
  -- coverage, update frequency, legal basis, record-date variable (CatalogueMetadata)
  metadata      jsonb NOT NULL DEFAULT '{}',
  search        tsvector NOT NULL DEFAULT ''::tsvector,
  published_at  timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency, dataset),
  FOREIGN KEY (agency, dataset) REFERENCES intake.datasets ON DELETE CASCADE
);
CREATE INDEX catalogue_search ON intake.catalogue USING gin (search);

-- The search vector is recomputed whenever the entry or its contract changes.
CREATE FUNCTION intake.catalogue_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  vars text;
BEGIN
  SELECT coalesce(string_agg(v->>'name' || ' ' || coalesce(v->>'description', ''), ' '), '')
    INTO vars
    FROM intake.datasets d, jsonb_array_elements(d.contract->'variables') v
   WHERE d.agency = NEW.agency AND d.dataset = NEW.dataset;
  NEW.search :=
    setweight(to_tsvector('simple', NEW.title), 'A') ||
    setweight(to_tsvector('simple', NEW.agency || ' ' || NEW.dataset), 'A') ||
    setweight(to_tsvector('simple', coalesce(vars, '')), 'B') ||
    setweight(to_tsvector('simple', NEW.description), 'C');
  NEW.updated_at := now();
  RETURN NEW;
END $$;
CREATE TRIGGER catalogue_search BEFORE INSERT OR UPDATE ON intake.catalogue
  FOR EACH ROW EXECUTE FUNCTION intake.catalogue_search_vector();

-- Registering (or replacing) a contract publishes (or refreshes) its entry.
CREATE FUNCTION intake.catalogue_publish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO intake.catalogue (agency, dataset, title)
  VALUES (NEW.agency, NEW.dataset, NEW.agency || '/' || NEW.dataset)
  ON CONFLICT (agency, dataset) DO UPDATE SET title = intake.catalogue.title;
  RETURN NULL;
END $$;
CREATE TRIGGER catalogue_publish AFTER INSERT OR UPDATE ON intake.datasets
  FOR EACH ROW EXECUTE FUNCTION intake.catalogue_publish();
INSERT INTO intake.catalogue (agency, dataset, title)
  SELECT agency, dataset, agency || '/' || dataset FROM intake.datasets;

-- Quality profile of each upload: counts only, never a value (UploadProfile).
CREATE TABLE intake.upload_quality (
  upload_id   uuid PRIMARY KEY REFERENCES intake.uploads,
  agency      text NOT NULL,
  dataset     text NOT NULL,
  profile     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upload_quality_dataset ON intake.upload_quality (agency, dataset, created_at);

-- Error reports from researchers on an extract, routed to the owning agency as the
-- agency's own source record ids (resolved here, inside the trusted third party);
-- the project pseudonym never leaves release towards the agency.
CREATE TABLE release.error_reports (
  report_id          uuid PRIMARY KEY,
  project_id         text NOT NULL REFERENCES release.projects,
  researcher         text NOT NULL,
  agency             text NOT NULL,
  dataset            text NOT NULL,
  variable           text NOT NULL,
  column_name        text NOT NULL,
  scope              text NOT NULL CHECK (scope IN ('person', 'cohort')),
  project_pseudonym  text,
  source_record_ids  text[] NOT NULL DEFAULT '{}',
  record_versions    bigint[] NOT NULL DEFAULT '{}',
  description        text NOT NULL,
  status             text NOT NULL CHECK (status IN ('open', 'confirmed', 'corrected', 'rejected')),
  answer             text,
  answered_by        text,
  filed_at           timestamptz NOT NULL DEFAULT now(),
  answered_at        timestamptz
);
CREATE INDEX error_reports_agency ON release.error_reports (agency, dataset, status);
CREATE INDEX error_reports_project ON release.error_reports (project_id);

-- Down Migration
DROP TABLE release.error_reports;
DROP TABLE intake.upload_quality;
DROP TRIGGER catalogue_publish ON intake.datasets;
DROP FUNCTION intake.catalogue_publish();
DROP TABLE intake.catalogue;
DROP FUNCTION intake.catalogue_search_vector();
