package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// SearchHit is one unit found by [DB.Search].
type SearchHit struct {
	UnitType outcome.UnitType
	UnitID   string
	// UnitName is the unit's name as published. Where a release spells a
	// unit's name in more than one way, every spelling is searched and the
	// first in sort order is shown.
	UnitName string
	// Hospitals names the hospitals a surgeon appears with, sorted; for a
	// hospital it is the hospital itself. A hospital given only by id is
	// listed by its id.
	Hospitals []string
	// Specialties lists the slugs of the specialties the unit is reported
	// in, sorted.
	Specialties []string
	// Rank is the hit's bm25 score as FTS5 computes it: lower (more
	// negative) is a better match. A name or id match counts for more than
	// a hospital match, and a hospital match more than a specialty.
	Rank float64
}

const (
	// MaxSearchBytes is the longest query Search accepts; a longer one
	// finds nothing.
	MaxSearchBytes = 200
	// MaxSearchLimit is the most hits Search returns.
	MaxSearchLimit = 100
	// maxSearchTerms bounds the terms of one query. Every term is a prefix
	// query, so this caps the index work a single request can cause; more
	// terms than a name and a hospital narrow nothing in practice.
	maxSearchTerms = 10
)

// Search finds the units of a release whose name, id, hospitals (names and
// ids) or specialties match q, best first (bm25, then name), through the
// full-text index the database file carries for its readers. The site
// answers searches from memory (package api) by the same rule; a test
// holds the two to the same units.
//
// q is user input and is never passed to FTS5 as syntax: it is split into
// words of letters and digits, everything else (quotes, *, parentheses,
// -, ^, :, control characters) separating them, the FTS5 operators AND,
// OR, NOT and NEAR are dropped, and each remaining word becomes a quoted
// prefix term; a unit must match every term. Matching ignores case and
// accents ("sean" finds "Seán"). A query with no words, or longer than
// MaxSearchBytes, finds nothing. limit is capped at MaxSearchLimit, and
// limit ≤ 0 means MaxSearchLimit. An unknown release finds nothing.
func (db *DB) Search(ctx context.Context, releaseID, q string, limit int) ([]SearchHit, error) {
	expr := matchExpr(q)
	if expr == "" {
		return nil, nil
	}
	if limit <= 0 || limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	// bm25's weights follow the columns of search_unit_fts: release_id,
	// unit_type (unindexed), unit_id, unit_names, hospital_names,
	// hospital_ids, specialties.
	conn, err := db.releaseData(ctx, releaseID)
	if conn == nil {
		return nil, ignoreNotFound(err)
	}
	rows, err := conn.QueryContext(ctx, `SELECT unit_type, unit_id, unit_names, hospital_names, specialties,
		bm25(search_unit_fts, 0, 0, 10, 10, 4, 4, 1) AS score
		FROM search_unit_fts
		WHERE search_unit_fts MATCH ? AND release_id = ?
		ORDER BY score, unit_names ->> '$[0]', unit_type, unit_id
		LIMIT ?`, expr, releaseID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: search %s: %w", releaseID, err)
	}
	var hits []SearchHit
	for rows.Next() {
		var h SearchHit
		var names, hospitals, specialties string
		if err := rows.Scan(&h.UnitType, &h.UnitID, &names, &hospitals, &specialties, &h.Rank); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: search %s: %w", releaseID, err)
		}
		var all []string
		err := json.Unmarshal([]byte(names), &all)
		if err == nil {
			err = json.Unmarshal([]byte(hospitals), &h.Hospitals)
		}
		if err == nil {
			err = json.Unmarshal([]byte(specialties), &h.Specialties)
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: search %s: %s %s: %w", releaseID, h.UnitType, h.UnitID, err)
		}
		if len(all) > 0 {
			h.UnitName = all[0]
		}
		hits = append(hits, h)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("store: search %s: %w", releaseID, err)
	}
	return hits, nil
}

// ftsOperators are FTS5's operator keywords. FTS5 reads them as operators
// only in upper case; quoted, as matchExpr quotes every word, they would be
// plain words, but a user who types them means an operator, not the word.
var ftsOperators = map[string]bool{"AND": true, "OR": true, "NOT": true, "NEAR": true}

// matchExpr turns a user's query into a safe FTS5 MATCH expression: each
// word a quoted prefix term, the terms joined by AND. It returns "" when the
// query has no words or is too long. A word holds only letters, digits and
// combining marks, so it can never close its quotes or carry FTS5 syntax.
func matchExpr(q string) string {
	if len(q) > MaxSearchBytes {
		return ""
	}
	words := strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
	})
	var terms []string
	seen := map[string]bool{}
	for _, w := range words {
		// A word of combining marks alone would tokenize to nothing (the
		// tokenizer strips diacritics), an empty phrase.
		if ftsOperators[w] || !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		if key := strings.ToLower(w); !seen[key] {
			seen[key] = true
			terms = append(terms, `"`+w+`"*`)
		}
		if len(terms) == maxSearchTerms {
			break
		}
	}
	return strings.Join(terms, " AND ")
}

// maxSearchList bounds each list of a search row (names, hospitals,
// hospital ids, specialties): a list keeps its first maxSearchList distinct
// values in sort order. A real surgeon works at a handful of hospitals; the
// bound keeps Commit's memory to a few strings per unit whatever the input
// (the benchmark release puts every surgeon at 1,000 hospitals).
// Migration 0003's backfill applies the same bound.
const maxSearchList = 20

// searchList is a sorted list of at most maxSearchList distinct strings:
// the smallest of those added.
type searchList []string

func (s *searchList) add(v string) {
	if v == "" {
		return
	}
	i, found := slices.BinarySearch(*s, v)
	if found || i == maxSearchList {
		return
	}
	if len(*s) == maxSearchList {
		*s = (*s)[:maxSearchList-1]
	}
	*s = slices.Insert(*s, i, v)
}

// jsonWith encodes the list as SQLite's json_group_array would, with enc
// (which writes to b, kept for many lists), so a row written here reads
// the same as one the migration backfilled: no HTML escapes (which would
// also index "u0026" for "&").
func (s searchList) jsonWith(b *bytes.Buffer, enc *json.Encoder) (string, error) {
	if s == nil {
		s = searchList{}
	}
	b.Reset()
	if err := enc.Encode([]string(s)); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// searchUnit gathers one unit's search row.
type searchUnit struct {
	names, hospitalNames, hospitalIDs, specialties searchList
}

// searchSet gathers the search rows of a release, group by group. The
// units are the funnels' (outcome.Units): every surgeon; every hospital
// with rows of its own; and, in a group with no hospital rows, every
// hospital named by its surgeons' rows. Memory holds only the units.
type searchSet struct {
	surgeons, hospitals map[string]*searchUnit
}

func newSearchSet() *searchSet {
	return &searchSet{surgeons: map[string]*searchUnit{}, hospitals: map[string]*searchUnit{}}
}

func unitIn(m map[string]*searchUnit, id string) *searchUnit {
	u, ok := m[id]
	if !ok {
		u = &searchUnit{}
		m[id] = u
	}
	return u
}

// addUnits takes one group's rows and its units (outcome.Units). A unit is
// found by every spelling of its name in its rows, by its hospitals' names
// and ids (a hospital given only by id is named by it), and by its
// specialty.
func (su *searchSet) addUnits(rows []outcome.Row, sets []outcome.UnitSet) {
	for _, set := range sets {
		m := su.surgeons
		if set.Type == outcome.Hospital {
			m = su.hospitals
		}
		for i := range set.Units {
			u := &set.Units[i]
			s := unitIn(m, u.ID)
			for _, ri := range u.Rows {
				r := &rows[ri]
				switch {
				case set.Aggregated:
					name := cmp.Or(r.HospitalName, r.HospitalID)
					s.names.add(name)
					s.hospitalNames.add(name)
					s.hospitalIDs.add(r.HospitalID)
				case set.Type == outcome.Hospital:
					s.names.add(r.UnitName)
					s.hospitalNames.add(r.UnitName)
					s.hospitalIDs.add(r.UnitID)
				default:
					s.names.add(r.UnitName)
					s.hospitalNames.add(cmp.Or(r.HospitalName, r.HospitalID))
					s.hospitalIDs.add(r.HospitalID)
				}
				s.specialties.add(r.Specialty)
			}
		}
	}
}

// addSearchUnits writes the search rows of the release being loaded (see
// migrations/0003_search.sql). Commit calls it before it writes the release
// row, after which the triggers refuse any more, and then builds the
// full-text index from them in one pass.
//
// The rows are made unit by unit from the rows held (rowTable), never
// every unit of the release at once.
func (l *Loader) addSearchUnits(ctx context.Context) error {
	// The rows are made (sorted, folded, encoded) on a goroutine of their
	// own while this one inserts the last batch, as the load's writer
	// does with the published rows: on two cores that hides most of the
	// making behind SQLite's work.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []any, 2)
	made := make(chan error, 1)
	go func() {
		defer close(batches)
		b := newSearchBatcher(l.release)
		send := func(args []any) error {
			select {
			case batches <- args:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := l.rows.eachSearchUnit(func(unitType outcome.UnitType, id string, u *searchUnit) error {
			full, err := b.add(unitType, id, u)
			if err != nil || full == nil {
				return err
			}
			return send(full)
		})
		if err == nil && len(b.args) > 0 {
			err = send(b.args)
		}
		made <- err
	}()
	var err error
	for args := range batches {
		if err == nil {
			if err = l.exec(ctx, searchInsertSQL(len(args)/searchColumns), args...); err != nil {
				cancel() // stop the maker; drain what it sent
			}
		}
	}
	if merr := <-made; err == nil && merr != nil {
		err = merr
	}
	if err != nil {
		return fmt.Errorf("search units: %w", err)
	}
	return nil
}

// searchBatcher encodes search rows as statement arguments, many rows to
// a batch, so that a million units are never held as arguments at once.
type searchBatcher struct {
	release string
	args    []any
	buf     bytes.Buffer
	enc     *json.Encoder
}

const (
	searchColumns = 7
	// searchRowsPerStatement × searchColumns stays well under SQLite's
	// 32,766 parameters.
	searchRowsPerStatement = 200
)

func newSearchBatcher(release string) *searchBatcher {
	b := &searchBatcher{release: release, args: make([]any, 0, searchRowsPerStatement*searchColumns)}
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetEscapeHTML(false)
	return b
}

// add encodes one unit's row and returns a full batch, handing it over:
// the batcher starts a new one.
func (b *searchBatcher) add(unitType outcome.UnitType, id string, u *searchUnit) (full []any, err error) {
	b.args = append(b.args, b.release, unitType, id)
	for _, list := range []searchList{u.names, u.hospitalNames, u.hospitalIDs, u.specialties} {
		s, err := list.jsonWith(&b.buf, b.enc)
		if err != nil {
			return nil, err
		}
		b.args = append(b.args, s)
	}
	if len(b.args) < searchRowsPerStatement*searchColumns {
		return nil, nil
	}
	full, b.args = b.args, make([]any, 0, searchRowsPerStatement*searchColumns)
	return full, nil
}

// searchInsertSQL inserts n search rows.
func searchInsertSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO search_unit (release_id, unit_type, unit_id, unit_names, hospital_names,
		hospital_ids, specialties) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}
