-- Releases of a publisher's figures only (issue 13): files that give each
-- unit's risk-adjusted rate, interval and rating but no deaths. Their
-- units are shown and exported as the publisher's, never compared by us
-- (they are not_assessable), and their deaths are NULL, never 0: a zero
-- would say no one died. Cases is the publisher's volume where it gives
-- one, NULL where it does not.
--
-- outcome_row's cases and events become nullable, with a row-level CHECK
-- that only such a row may lack them: it is not assessable, has no
-- expected figures, and carries a rate or a rating of the publisher's.
-- result_unit's cases and events follow. Both tables are rebuilt, as
-- SQLite cannot loosen a NOT NULL, with the immutability triggers of
-- 0001_releases.sql and 0002_results.sql, as 0006 rebuilt national_rate:
-- the old table is renamed (its triggers go with it), copied and dropped.
ALTER TABLE outcome_row RENAME TO outcome_row_0007;
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
    UNIQUE (release_id, specialty, procedure, period, unit_type, unit_id, hospital_id),
    CHECK (cases IS NOT NULL OR events IS NULL),
    CHECK (events IS NOT NULL OR (not_assessable = 1 AND expected IS NULL AND expected_rate IS NULL AND (published_rate IS NOT NULL OR published_rating <> '')))
) STRICT;
INSERT INTO outcome_row SELECT * FROM outcome_row_0007;
DROP TABLE outcome_row_0007;
CREATE TRIGGER outcome_row_immutable_insert BEFORE INSERT ON outcome_row
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER outcome_row_immutable_update BEFORE UPDATE ON outcome_row
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER outcome_row_immutable_delete BEFORE DELETE ON outcome_row
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;

ALTER TABLE result_unit RENAME TO result_unit_0007;
CREATE TABLE result_unit (
    release_id       TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty        TEXT NOT NULL,
    procedure        TEXT NOT NULL,
    period           TEXT NOT NULL,
    unit_type        TEXT NOT NULL,
    unit_id          TEXT NOT NULL,
    unit_name        TEXT NOT NULL,
    aggregated       INTEGER NOT NULL CHECK (aggregated IN (0, 1)), -- 1: a hospital summed from its surgeons' rows
    cases            INTEGER,         -- NULL where its row has none (outcome_row)
    events           INTEGER,         -- NULL for a unit of published figures only
    expected         REAL,
    x                REAL,            -- E/p0 (ratio scale) or cases (proportion scale)
    y                REAL,            -- O/E or O/n
    ratio            REAL,
    ramr             REAL,
    survival         REAL,
    ci_low           REAL,            -- the unit's own interval, y scale
    ci_high          REAL,
    lower95          REAL,            -- funnel limits at the unit's size, y scale
    upper95          REAL,
    lower998         REAL,
    upper998         REAL,
    band             TEXT NOT NULL CHECK (band IN ('high_alarm', 'high_alert', 'within', 'low_alert', 'low_alarm', 'too_few', 'not_assessable')),
    verdict          TEXT NOT NULL CHECK (verdict IN ('higher', 'lower', 'not_different', 'not_assessed')),
    p_high           REAL,
    p_low            REAL,
    detectable_ratio REAL,
    PRIMARY KEY (release_id, specialty, procedure, period, unit_type, unit_id),
    CHECK (events IS NOT NULL OR band = 'not_assessable')
) STRICT;
INSERT INTO result_unit SELECT * FROM result_unit_0007;
DROP TABLE result_unit_0007;
CREATE TRIGGER result_unit_immutable_update BEFORE UPDATE ON result_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_unit_immutable_delete BEFORE DELETE ON result_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_unit_immutable_insert BEFORE INSERT ON result_unit
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
