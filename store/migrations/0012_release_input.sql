-- The publisher's original files, byte for byte, in the release's own file
-- (issue 16): a reader of a release can check every figure against what
-- the publisher gave, and the release's bundle carries them. Each file is
-- kept in chunks of at most 1 MiB, in order, so that ingest writes it and
-- the bundle reads it without holding a national file in memory; its
-- name, size and sha256 are its release_file row's, which ingest checks
-- the chunks against. A release loaded before this migration has no
-- chunks: its files' hashes are all that was kept.
--
-- The catalogue database holds none: like the rows and results, the
-- chunks live only in the release's file.
CREATE TABLE release_input (
    release_id   TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    file_ordinal INTEGER NOT NULL,
    chunk        INTEGER NOT NULL CHECK (chunk >= 0),  -- 0-based position in the file
    bytes        BLOB NOT NULL CHECK (length(bytes) BETWEEN 1 AND 1048576),
    PRIMARY KEY (release_id, file_ordinal, chunk),
    FOREIGN KEY (release_id, file_ordinal) REFERENCES release_file (release_id, ordinal) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE TRIGGER release_input_immutable_insert BEFORE INSERT ON release_input
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_input_immutable_update BEFORE UPDATE ON release_input
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_input_immutable_delete BEFORE DELETE ON release_input
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
