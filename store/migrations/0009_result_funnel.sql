-- One row per funnel for its units' results (issue 14): result_unit held a
-- 27-column row per unit, which a national release (a million units)
-- spent seconds of its ingest writing and most of a server's start reading
-- back, with outcome_row read again beside it for each unit's hospitals
-- and the publisher's own figures. result_funnel holds a funnel's units as
-- one JSON array, with those figures beside them, and result_unit becomes
-- a view of it, one row per unit as before, for analysts' queries.
--
-- units, encoding 1: a JSON array of the funnel's units in unit id order,
-- each an array of 28 values in this order (NULL is JSON null):
--
--   0 unit_id          TEXT
--   1 unit_name        TEXT
--   2 aggregated       0 or 1: a hospital summed from its surgeons' rows
--   3 cases            integer; null where a row of the publisher's figures only gives no volume
--   4 events           integer; null for a unit of the publisher's figures only
--   5 expected         and 6 x, 7 y, 8 ratio, 9 ramr, 10 survival, 11 ci_low,
--                      12 ci_high, 13 lower95, 14 upper95, 15 lower998,
--                      16 upper998: numbers, null where undefined, as
--                      result_unit's columns of the same names (0002_results.sql)
--  17 band             TEXT
--  18 verdict          TEXT
--  19 p_high           and 20 p_low, 21 detectable_ratio: numbers or null
--  22 hospitals        the hospitals the unit's figures come from, by id,
--                      each [id, name, cases]; null for a unit none of
--                      its group's rows make
--  23 expected_rate    and 24 published_rate, 25 published_low,
--                      26 published_high: the publisher's own figures
--                      (per 100), where the unit is exactly one published
--                      row and not a sum; else null
--  27 published_rating TEXT, '' where none
--
-- Numbers are written as the shortest decimal that reads back as the same
-- double. A new layout is a new encoding number and a migration.
CREATE TABLE result_funnel (
    release_id TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty  TEXT NOT NULL,
    procedure  TEXT NOT NULL,
    period     TEXT NOT NULL,
    unit_type  TEXT NOT NULL,
    outcome    TEXT NOT NULL,      -- the group's outcome, as its rows name it
    encoding   INTEGER NOT NULL CHECK (encoding = 1),
    units      TEXT NOT NULL CHECK (json_valid(units)),
    PRIMARY KEY (release_id, specialty, procedure, period, unit_type)
) STRICT;

-- Go step: result_funnel is filled from result_unit and outcome_row for
-- every committed release (store: fillResultFunnels), as only the
-- domain's rule (outcome.Units) knows which rows make a unit.

-- result_unit's triggers go with it.
DROP TABLE result_unit;

-- result_unit: one row per unit, the columns of the table it replaces
-- (0008_published_only.sql) in their order, then the group's outcome, the
-- unit's hospitals (JSON, as above) and the publisher's own figures.
CREATE VIEW result_unit AS
SELECT f.release_id, f.specialty, f.procedure, f.period, f.unit_type,
    u.value ->> 0 AS unit_id,
    u.value ->> 1 AS unit_name,
    u.value ->> 2 AS aggregated,
    u.value ->> 3 AS cases,
    u.value ->> 4 AS events,
    CAST(u.value ->> 5 AS REAL) AS expected,
    CAST(u.value ->> 6 AS REAL) AS x,
    CAST(u.value ->> 7 AS REAL) AS y,
    CAST(u.value ->> 8 AS REAL) AS ratio,
    CAST(u.value ->> 9 AS REAL) AS ramr,
    CAST(u.value ->> 10 AS REAL) AS survival,
    CAST(u.value ->> 11 AS REAL) AS ci_low,
    CAST(u.value ->> 12 AS REAL) AS ci_high,
    CAST(u.value ->> 13 AS REAL) AS lower95,
    CAST(u.value ->> 14 AS REAL) AS upper95,
    CAST(u.value ->> 15 AS REAL) AS lower998,
    CAST(u.value ->> 16 AS REAL) AS upper998,
    u.value ->> 17 AS band,
    u.value ->> 18 AS verdict,
    CAST(u.value ->> 19 AS REAL) AS p_high,
    CAST(u.value ->> 20 AS REAL) AS p_low,
    CAST(u.value ->> 21 AS REAL) AS detectable_ratio,
    f.outcome,
    u.value ->> 22 AS hospitals,
    CAST(u.value ->> 23 AS REAL) AS expected_rate,
    CAST(u.value ->> 24 AS REAL) AS published_rate,
    CAST(u.value ->> 25 AS REAL) AS published_low,
    CAST(u.value ->> 26 AS REAL) AS published_high,
    u.value ->> 27 AS published_rating
FROM result_funnel AS f, json_each(f.units) AS u
WHERE f.encoding = 1;

CREATE TRIGGER result_funnel_immutable_update BEFORE UPDATE ON result_funnel
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_funnel_immutable_delete BEFORE DELETE ON result_funnel
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_funnel_immutable_insert BEFORE INSERT ON result_funnel
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
