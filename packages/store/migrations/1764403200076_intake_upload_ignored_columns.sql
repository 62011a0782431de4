-- Up Migration
-- Under a contract's extraColumns "ignore", the names (never values) of the columns an
-- upload carried that the contract does not declare, so the upload's status says what
-- was dropped (GET /v1/uploads/:uploadId ignoredColumns). Set when the upload completes.
ALTER TABLE intake.uploads ADD COLUMN ignored_columns text[] NOT NULL DEFAULT '{}';

-- Down Migration
ALTER TABLE intake.uploads DROP COLUMN ignored_columns;
