-- Results computed once per release at ingest (stats), stored beside the
-- rows so the downloadable file carries them. One funnel per group and
-- unit type: surgeons and hospitals are compared with their own kind.

CREATE TABLE result_group (
    release_id          TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty           TEXT NOT NULL,
    procedure           TEXT NOT NULL,
    period              TEXT NOT NULL,
    unit_type           TEXT NOT NULL CHECK (unit_type IN ('surgeon', 'hospital')),
    scale               TEXT NOT NULL CHECK (scale IN ('ratio', 'proportion')),
    target              REAL,            -- p0
    target_source       TEXT NOT NULL,   -- counts | national
    phi                 REAL,            -- Pearson dispersion ratio, 10% winsorised, units with E >= 5
    phi_p_value         REAL,
    tau2                REAL,            -- square-root (ratio) or arcsine (proportion) scale
    phi_units           INTEGER NOT NULL,
    units               INTEGER NOT NULL,
    flagged             INTEGER NOT NULL, -- units with a published band (not too_few)
    expected_outside95  REAL NOT NULL,
    outside95           INTEGER NOT NULL,
    expected_outside998 REAL NOT NULL,
    outside998          INTEGER NOT NULL,
    PRIMARY KEY (release_id, specialty, procedure, period, unit_type)
) STRICT;

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
    band             TEXT NOT NULL CHECK (band IN ('high_alarm', 'high_alert', 'within', 'low_alert', 'low_alarm', 'too_few')),
    verdict          TEXT NOT NULL CHECK (verdict IN ('higher', 'lower', 'not_different')),
    p_high           REAL,
    p_low            REAL,
    detectable_ratio REAL,
    PRIMARY KEY (release_id, specialty, procedure, period, unit_type, unit_id)
) STRICT;

-- result_curve holds a funnel's limit lines for drawing, one row per
-- funnel: points is a JSON array of [x, lower95, upper95, lower998,
-- upper998] (null where undefined), x increasing.
CREATE TABLE result_curve (
    release_id TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty  TEXT NOT NULL,
    procedure  TEXT NOT NULL,
    period     TEXT NOT NULL,
    unit_type  TEXT NOT NULL,
    points     TEXT NOT NULL CHECK (json_valid(points)),
    PRIMARY KEY (release_id, specialty, procedure, period, unit_type)
) STRICT;

CREATE TRIGGER result_group_immutable_update BEFORE UPDATE ON result_group
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_group_immutable_delete BEFORE DELETE ON result_group
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_group_immutable_insert BEFORE INSERT ON result_group
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_unit_immutable_update BEFORE UPDATE ON result_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_unit_immutable_delete BEFORE DELETE ON result_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_unit_immutable_insert BEFORE INSERT ON result_unit
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_curve_immutable_update BEFORE UPDATE ON result_curve
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_curve_immutable_delete BEFORE DELETE ON result_curve
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_curve_immutable_insert BEFORE INSERT ON result_curve
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
