-- Search: one box over a unit's name, its id, and the hospitals it appears
-- with (DESIGN.md /search; PRODUCT.md). One searchable row per release and
-- unit, written at commit in the release's own transaction.
--
-- The rows live in an ordinary table, search_unit, and the full-text index
-- over them is an external-content FTS5 table, search_unit_fts. SQLite
-- cannot put triggers on a virtual table, so the immutability rule is
-- enforced where it can be: on search_unit, like every other release table.
-- The index holds no data of its own; if it were ever damaged it can be
-- rebuilt from search_unit with
--     INSERT INTO search_unit_fts (search_unit_fts) VALUES ('rebuild');
-- The application never writes search_unit_fts itself: the trigger below
-- does, on insert into search_unit.

-- search_unit holds one row per release, unit type and unit. The list
-- columns are JSON arrays of distinct values, sorted, so they read back
-- unambiguously (names may hold commas) and tokenize as the words they hold.
-- id is an explicit INTEGER PRIMARY KEY because the index refers to rows by
-- rowid, and VACUUM may renumber an implicit rowid.
CREATE TABLE search_unit (
    id             INTEGER PRIMARY KEY,
    release_id     TEXT NOT NULL REFERENCES release (id) DEFERRABLE INITIALLY DEFERRED,
    unit_type      TEXT NOT NULL CHECK (unit_type IN ('surgeon', 'hospital')),
    unit_id        TEXT NOT NULL,
    unit_names     TEXT NOT NULL CHECK (json_valid(unit_names)),     -- the unit's names as published; the first is shown
    hospital_names TEXT NOT NULL CHECK (json_valid(hospital_names)), -- a surgeon's hospitals; a hospital itself
    hospital_ids   TEXT NOT NULL CHECK (json_valid(hospital_ids)),
    specialties    TEXT NOT NULL CHECK (json_valid(specialties)),    -- slugs
    UNIQUE (release_id, unit_type, unit_id)
) STRICT;

-- unicode61 with remove_diacritics 2 folds case and accents, so "sean"
-- finds "Seán"; the prefix indexes make 2- and 3-letter prefix queries
-- (what a search box sends while a name is typed) cheap.
CREATE VIRTUAL TABLE search_unit_fts USING fts5 (
    release_id UNINDEXED,
    unit_type UNINDEXED,
    unit_id,
    unit_names,
    hospital_names,
    hospital_ids,
    specialties,
    content = 'search_unit',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER search_unit_index AFTER INSERT ON search_unit
BEGIN
    INSERT INTO search_unit_fts (rowid, release_id, unit_type, unit_id, unit_names, hospital_names,
        hospital_ids, specialties)
    VALUES (NEW.id, NEW.release_id, NEW.unit_type, NEW.unit_id, NEW.unit_names, NEW.hospital_names,
        NEW.hospital_ids, NEW.specialties);
END;

-- Backfill the releases committed before this migration; Loader.Commit
-- (store/search.go addSearchUnits) writes the rows of later ones, and
-- TestSearchMigrationBackfill checks that the two agree. The units are
-- those the funnels are built from (cmd/outcomes unitSets): every surgeon;
-- every hospital with rows of its own; and, in a group with no hospital
-- rows, every hospital named by its surgeons' rows. Each list keeps its
-- first 20 distinct values in sort order (maxSearchList). This runs before
-- the triggers below exist, which would refuse rows for a committed release.
INSERT INTO search_unit (release_id, unit_type, unit_id, unit_names, hospital_names, hospital_ids, specialties)
SELECT release_id, unit_type, unit_id,
    (SELECT json_group_array(value ORDER BY key) FROM json_each(unit_names) WHERE key < 20),
    (SELECT json_group_array(value ORDER BY key) FROM json_each(hospital_names) WHERE key < 20),
    (SELECT json_group_array(value ORDER BY key) FROM json_each(hospital_ids) WHERE key < 20),
    (SELECT json_group_array(value ORDER BY key) FROM json_each(specialties) WHERE key < 20)
FROM (
    SELECT release_id, 'surgeon' AS unit_type, unit_id,
        json_group_array(DISTINCT unit_name ORDER BY unit_name) FILTER (WHERE unit_name <> '') AS unit_names,
        json_group_array(DISTINCT hospital_name ORDER BY hospital_name) FILTER (WHERE hospital_name <> '') AS hospital_names,
        json_group_array(DISTINCT hospital_id ORDER BY hospital_id) FILTER (WHERE hospital_id <> '') AS hospital_ids,
        json_group_array(DISTINCT specialty ORDER BY specialty) AS specialties
    FROM (
        SELECT release_id, unit_id, unit_name, hospital_id, specialty,
            CASE WHEN hospital_name <> '' THEN hospital_name ELSE hospital_id END AS hospital_name
        FROM outcome_row
        WHERE unit_type = 'surgeon'
    )
    GROUP BY release_id, unit_id
    UNION ALL
    SELECT release_id, 'hospital', unit_id,
        json_group_array(DISTINCT unit_name ORDER BY unit_name) FILTER (WHERE unit_name <> ''),
        json_group_array(DISTINCT unit_name ORDER BY unit_name) FILTER (WHERE unit_name <> ''),
        json_array(unit_id),
        json_group_array(DISTINCT specialty ORDER BY specialty)
    FROM (
        SELECT r.release_id, r.specialty,
            CASE WHEN r.unit_type = 'hospital' THEN r.unit_id ELSE r.hospital_id END AS unit_id,
            CASE WHEN r.unit_type = 'hospital' THEN r.unit_name
                WHEN r.hospital_name <> '' THEN r.hospital_name
                ELSE r.hospital_id END AS unit_name
        FROM outcome_row AS r
        WHERE r.unit_type = 'hospital'
            OR (r.unit_type = 'surgeon' AND r.hospital_id <> '' AND NOT EXISTS (
                SELECT 1 FROM outcome_row AS h
                WHERE h.release_id = r.release_id AND h.specialty = r.specialty AND h.procedure = r.procedure
                    AND h.period = r.period AND h.unit_type = 'hospital'))
    )
    GROUP BY release_id, unit_id
)
WHERE release_id IN (SELECT id FROM release)
ORDER BY release_id, unit_type, unit_id;

CREATE TRIGGER search_unit_immutable_update BEFORE UPDATE ON search_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER search_unit_immutable_delete BEFORE DELETE ON search_unit
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
CREATE TRIGGER search_unit_immutable_insert BEFORE INSERT ON search_unit
WHEN EXISTS (SELECT 1 FROM release WHERE id = NEW.release_id)
BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;
