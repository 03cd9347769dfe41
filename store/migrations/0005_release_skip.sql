-- release_skip counts the rows a release's files held that were not loaded
-- as units, by reason ("national", "no cases", a mapping's [skip] rule…),
-- so that `outcomes releases` says, long after the ingest, what was left
-- out and why. The reasons of one file sum to its release_file.skipped_count.
-- Releases loaded before this table existed have no rows here: their
-- reasons were never stored, only the count.
CREATE TABLE release_skip (
    release_id   TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    file_ordinal INTEGER NOT NULL,
    reason       TEXT NOT NULL CHECK (reason <> ''),
    row_count    INTEGER NOT NULL CHECK (row_count >= 1),
    PRIMARY KEY (release_id, file_ordinal, reason),
    FOREIGN KEY (release_id, file_ordinal) REFERENCES release_file (release_id, ordinal) DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- Immutable like every release table (0001_releases.sql).
CREATE TRIGGER release_skip_immutable_insert BEFORE INSERT ON release_skip
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_skip_immutable_update BEFORE UPDATE ON release_skip
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_skip_immutable_delete BEFORE DELETE ON release_skip
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
