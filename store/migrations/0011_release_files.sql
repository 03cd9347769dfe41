-- Each release in a file of its own (issue 14): a release's rows, results
-- and search index live in DB.releases/{id}.sqlite, a file of this same
-- schema that ingest builds whole under a temporary name and renames into
-- place, and this database keeps only the catalogue: the release rows and
-- their files, skipped rows and periods. The tables that held the data
-- stay, empty here, so that both kinds of file have one schema.
--
-- Go step: every release gets its file (made from this database's rows
-- where it has none, or where the one it has is of an older schema), and
-- its rows, national figures, results and search rows leave this database
-- (store: moveReleasesToFiles).

-- outcome_row's key becomes a named index rather than a UNIQUE
-- constraint, so that ingest can build it once the rows are in (one
-- sort) instead of keeping it as each row arrives; the key stays unique.
ALTER TABLE outcome_row RENAME TO outcome_row_0010;
CREATE TABLE outcome_row (
    release_id       TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    file_ordinal     INTEGER NOT NULL,
    line             INTEGER NOT NULL,
    specialty        TEXT NOT NULL,
    procedure        TEXT NOT NULL,
    period           TEXT NOT NULL,
    unit_type        TEXT NOT NULL CHECK (unit_type IN ('surgeon', 'hospital')),
    unit_id          TEXT NOT NULL,
    unit_name        TEXT NOT NULL,
    hospital_id      TEXT NOT NULL,   -- '' when the row names no hospital
    hospital_name    TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    cases            INTEGER CHECK (cases >= 1),                      -- NULL only in a row of published figures without a volume
    events           INTEGER CHECK (events >= 0 AND events <= cases), -- NULL exactly in a row of published figures only
    expected         REAL CHECK (expected > 0),        -- NULL for crude data
    expected_rate    REAL,            -- the publisher's expected rate per 100, where it gave one
    published_rate   REAL,            -- the publisher's own risk-adjusted rate per 100
    published_low    REAL,            -- and its interval
    published_high   REAL,
    published_rating TEXT NOT NULL,   -- the publisher's comparison text, '' when none
    not_assessable   INTEGER NOT NULL DEFAULT 0 CHECK (not_assessable IN (0, 1)),
    CHECK (cases IS NOT NULL OR events IS NULL),
    CHECK (events IS NOT NULL OR (not_assessable = 1 AND expected IS NULL AND expected_rate IS NULL AND (published_rate IS NOT NULL OR published_rating <> '')))
) STRICT;
INSERT INTO outcome_row SELECT * FROM outcome_row_0010;
DROP TABLE outcome_row_0010;
CREATE UNIQUE INDEX outcome_row_key ON outcome_row (release_id, specialty, procedure, period, unit_type, unit_id, hospital_id);
CREATE TRIGGER outcome_row_immutable_insert BEFORE INSERT ON outcome_row
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER outcome_row_immutable_update BEFORE UPDATE ON outcome_row
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER outcome_row_immutable_delete BEFORE DELETE ON outcome_row
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
