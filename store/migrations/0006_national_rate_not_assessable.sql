-- A publisher's printed national rate as a group's target, and units
-- whose expected deaths cannot be known (issue 13).
--
-- national_rate gains the rate the publisher printed (as a proportion:
-- 2.27% is 0.0227), which is the target where it is given, since the
-- publisher computed with it; its counts become optional, as some
-- publishers print only the rate. The table is rebuilt, as SQLite cannot
-- loosen a NOT NULL, with the same immutability triggers (0001_releases.sql):
-- the old table is renamed (its triggers go with it), copied and dropped.
ALTER TABLE national_rate RENAME TO national_rate_0005;
CREATE TABLE national_rate (
    release_id   TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty    TEXT NOT NULL,
    procedure    TEXT NOT NULL,
    period       TEXT NOT NULL,
    cases        INTEGER CHECK (cases >= 1),                     -- NULL when only a rate is printed
    events       INTEGER CHECK (events >= 0 AND events <= cases), -- NULL exactly when cases is
    rate         REAL CHECK (rate > 0 AND rate < 1),             -- the printed national rate, a proportion; NULL when none
    file_ordinal INTEGER NOT NULL,
    line         INTEGER NOT NULL,
    PRIMARY KEY (release_id, specialty, procedure, period),
    CHECK ((cases IS NULL) = (events IS NULL) AND (cases IS NOT NULL OR rate IS NOT NULL))
) STRICT;
INSERT INTO national_rate (release_id, specialty, procedure, period, cases, events, rate, file_ordinal, line)
    SELECT release_id, specialty, procedure, period, cases, events, NULL, file_ordinal, line FROM national_rate_0005;
DROP TABLE national_rate_0005;
CREATE TRIGGER national_rate_immutable_insert BEFORE INSERT ON national_rate
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER national_rate_immutable_update BEFORE UPDATE ON national_rate
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER national_rate_immutable_delete BEFORE DELETE ON national_rate
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;

-- not_assessable marks a row whose expected deaths the publisher did not
-- give and that cannot be worked out: they come from its published
-- risk-adjusted rate (E = O·p0/RAMR), which says nothing when there were
-- no deaths. Its expected is NULL; its unit is shown but never judged.
ALTER TABLE outcome_row ADD COLUMN not_assessable INTEGER NOT NULL DEFAULT 0 CHECK (not_assessable IN (0, 1));

-- result_unit's band and verdict gain a unit not assessable: band
-- not_assessable, verdict not_assessed. Rebuilt, as SQLite cannot change a
-- CHECK, with the triggers of 0002_results.sql, as national_rate is above.
ALTER TABLE result_unit RENAME TO result_unit_0005;
CREATE TABLE result_unit (
    release_id       TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty        TEXT NOT NULL,
    procedure        TEXT NOT NULL,
    period           TEXT NOT NULL,
    unit_type        TEXT NOT NULL,
    unit_id          TEXT NOT NULL,
    unit_name        TEXT NOT NULL,
    aggregated       INTEGER NOT NULL CHECK (aggregated IN (0, 1)), -- 1: a hospital summed from its surgeons' rows
    cases            INTEGER NOT NULL,
    events           INTEGER NOT NULL,
    expected         REAL,
    x                REAL,            -- E/p0 (ratio scale) or cases (proportion scale)
    y                REAL,            -- O/E or O/n
    ratio            REAL,
    ramr             REAL,
    survival         REAL,
    ci_low           REAL,            -- the unit's own 95% interval, y scale
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
    PRIMARY KEY (release_id, specialty, procedure, period, unit_type, unit_id)
) STRICT;
INSERT INTO result_unit SELECT * FROM result_unit_0005;
DROP TABLE result_unit_0005;
CREATE TRIGGER result_unit_immutable_update BEFORE UPDATE ON result_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_unit_immutable_delete BEFORE DELETE ON result_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_unit_immutable_insert BEFORE INSERT ON result_unit
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
