-- Releases and the published rows they hold. One release is one ingest run.

CREATE TABLE release (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    source          TEXT NOT NULL,
    licence         TEXT NOT NULL,
    profile         TEXT NOT NULL,
    input_sha256    TEXT NOT NULL,   -- sha256 of the input files' bytes, concatenated in argument order
    mapping_sha256  TEXT NOT NULL,   -- sha256 of the profile's mapping file
    interval_method TEXT NOT NULL,   -- exact | byar | mixed
    comparison      TEXT NOT NULL,   -- funnel | interval
    target_source   TEXT NOT NULL,   -- counts | national
    row_count       INTEGER NOT NULL,
    skipped_count   INTEGER NOT NULL,
    synthetic       INTEGER NOT NULL CHECK (synthetic IN (0, 1)), -- 1 for invented demo data
    ingested_at     TEXT NOT NULL,   -- RFC 3339, UTC
    UNIQUE (input_sha256, mapping_sha256)
) STRICT;

CREATE TABLE release_file (
    release_id TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    ordinal    INTEGER NOT NULL,      -- 1-based position on the command line
    name       TEXT NOT NULL,         -- base name of the file
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    encoding   TEXT NOT NULL,         -- utf-8 | utf-8-bom | windows-1252
    row_count  INTEGER NOT NULL,
    skipped_count INTEGER NOT NULL,
    PRIMARY KEY (release_id, ordinal)
) STRICT;

-- release_period lists the periods a release covers; it is written at
-- commit, so listing releases never scans their rows.
CREATE TABLE release_period (
    release_id TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    period     TEXT NOT NULL,
    PRIMARY KEY (release_id, period)
) STRICT;

-- outcome_row holds one published row: a unit's counts for one
-- specialty, procedure and period, exactly as loaded (after validation).
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
    cases            INTEGER NOT NULL CHECK (cases >= 1),
    events           INTEGER NOT NULL CHECK (events >= 0 AND events <= cases),
    expected         REAL CHECK (expected > 0),        -- NULL for crude data
    expected_rate    REAL,            -- the publisher's expected rate per 100, where it gave one
    published_rate   REAL,            -- the publisher's own risk-adjusted rate per 100
    published_low    REAL,            -- and its interval
    published_high   REAL,
    published_rating TEXT NOT NULL,   -- the publisher's comparison text, '' when none
    UNIQUE (release_id, specialty, procedure, period, unit_type, unit_id, hospital_id)
) STRICT;

-- national_rate holds the counts a publisher gave for the whole state or
-- nation; where a release's target_source is 'national' they give p0.
CREATE TABLE national_rate (
    release_id   TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty    TEXT NOT NULL,
    procedure    TEXT NOT NULL,
    period       TEXT NOT NULL,
    cases        INTEGER NOT NULL CHECK (cases >= 1),
    events       INTEGER NOT NULL CHECK (events >= 0 AND events <= cases),
    file_ordinal INTEGER NOT NULL,
    line         INTEGER NOT NULL,
    PRIMARY KEY (release_id, specialty, procedure, period)
) STRICT;

-- Releases are immutable: once written, nothing may change or remove them,
-- nor add to them (a release's row is written last, at commit).
CREATE TRIGGER outcome_row_immutable_insert BEFORE INSERT ON outcome_row
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER national_rate_immutable_insert BEFORE INSERT ON national_rate
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_period_immutable_update BEFORE UPDATE ON release_period
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_period_immutable_delete BEFORE DELETE ON release_period
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_period_immutable_insert BEFORE INSERT ON release_period
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_file_immutable_insert BEFORE INSERT ON release_file
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_immutable_update BEFORE UPDATE ON release
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_immutable_delete BEFORE DELETE ON release
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_file_immutable_update BEFORE UPDATE ON release_file
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER release_file_immutable_delete BEFORE DELETE ON release_file
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER outcome_row_immutable_update BEFORE UPDATE ON outcome_row
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER outcome_row_immutable_delete BEFORE DELETE ON outcome_row
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER national_rate_immutable_update BEFORE UPDATE ON national_rate
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER national_rate_immutable_delete BEFORE DELETE ON national_rate
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
