-- The second figures (issue 17): beside each unit's place on its funnel,
-- its empirical-Bayes shrunk ratio with its interval and reliability, its
-- Benjamini–Hochberg q-values and its power, and for each funnel the fit
-- they come from, computed at ingest and stored with the results like
-- every other figure, so that a downloaded release file carries them and
-- a server's start does not compute them again.
--
-- result_group gains the group's fit (stats.Result):
--   shrink_fit   interior | no_variation | no_deaths | too_few_units: whether
--                the between-unit variation could be estimated, and if not
--                why not; '' for crude data (no expected counts) and for a
--                funnel stored before this migration
--   alpha        the fitted α of θ ~ Gamma(α, α); NULL unless shrink_fit is
--                interior (no_variation's α is infinite, the others'
--                undefined: shrink_fit says which)
--   rankability  van Dishoeck's τ²/(τ² + median σᵢ²), 0 to 1; NULL where
--                undefined
-- Adding columns changes no row, so the release triggers are not involved.
ALTER TABLE result_group ADD COLUMN shrink_fit TEXT NOT NULL DEFAULT '' CHECK (shrink_fit IN ('', 'interior', 'no_variation', 'no_deaths', 'too_few_units'));
ALTER TABLE result_group ADD COLUMN alpha REAL CHECK (alpha IS NULL OR (alpha > 0 AND shrink_fit = 'interior'));
ALTER TABLE result_group ADD COLUMN rankability REAL CHECK (rankability IS NULL OR rankability BETWEEN 0 AND 1);

-- units, encoding 2: encoding 1's 28 values (0009_result_funnel.sql), then
-- nine numbers, null where undefined (a unit not assessable, crude data
-- for the shrunk figures, a group whose fit is undefined):
--
--  28 shrunk_ratio        the shrunk ratio (α + O)/(α + E)
--  29 shrunk_low          and 30 shrunk_high: its 95% posterior interval
--  31 reliability         E/(E + α), the weight the unit's own O/E gets
--  32 q_value             the Benjamini–Hochberg q-value of p_high
--  33 q_low               the same of p_low
--  34 power_2x            and 35 power_1_5x: the chance a true ratio of 2
--                         (1.5) would have been flagged high at 95%
--  36 detectable_ratio_80 the true ratio flagged four times in five
--
-- Ingest writes encoding 2; a funnel stored before (encoding 1, in a
-- release file of an older schema or one migrated from it) keeps its
-- encoding, and readers take its second figures as undefined. SQLite
-- cannot change a CHECK in place, so result_funnel is rebuilt, its rows
-- (none in the catalogue, whose releases' data is in their files) copied,
-- and the view of it made again with the new columns.
DROP VIEW result_unit;
ALTER TABLE result_funnel RENAME TO result_funnel_0012;
CREATE TABLE result_funnel (
    release_id TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    specialty  TEXT NOT NULL,
    procedure  TEXT NOT NULL,
    period     TEXT NOT NULL,
    unit_type  TEXT NOT NULL,
    outcome    TEXT NOT NULL,      -- the group's outcome, as its rows name it
    encoding   INTEGER NOT NULL CHECK (encoding IN (1, 2)),
    units      TEXT NOT NULL CHECK (json_valid(units)),
    PRIMARY KEY (release_id, specialty, procedure, period, unit_type)
) STRICT;
INSERT INTO result_funnel SELECT * FROM result_funnel_0012;
-- result_funnel_0012's triggers go with it.
DROP TABLE result_funnel_0012;
CREATE TRIGGER result_funnel_immutable_update BEFORE UPDATE ON result_funnel
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_funnel_immutable_delete BEFORE DELETE ON result_funnel
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER result_funnel_immutable_insert BEFORE INSERT ON result_funnel
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;

-- result_unit: 0009's columns in their order, then the second figures,
-- NULL for a funnel of encoding 1 (its arrays end at 27).
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
    u.value ->> 27 AS published_rating,
    CAST(u.value ->> 28 AS REAL) AS shrunk_ratio,
    CAST(u.value ->> 29 AS REAL) AS shrunk_low,
    CAST(u.value ->> 30 AS REAL) AS shrunk_high,
    CAST(u.value ->> 31 AS REAL) AS reliability,
    CAST(u.value ->> 32 AS REAL) AS q_value,
    CAST(u.value ->> 33 AS REAL) AS q_low,
    CAST(u.value ->> 34 AS REAL) AS power_2x,
    CAST(u.value ->> 35 AS REAL) AS power_1_5x,
    CAST(u.value ->> 36 AS REAL) AS detectable_ratio_80
FROM result_funnel AS f, json_each(f.units) AS u
WHERE f.encoding IN (1, 2);
