-- Up Migration
-- A refused record with more than one bad field lists them all (field, code, fixed
-- message; never a value) in its verdict line's `problems`; field/code/message stay the
-- first one's. NULL when the record had one bad field or was accepted.
ALTER TABLE intake.verdicts ADD COLUMN problems jsonb;

-- Down Migration
ALTER TABLE intake.verdicts DROP COLUMN problems;
