package api_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/surgeon-outcomes/outcomes/api"
	"github.com/surgeon-outcomes/outcomes/store"
)

// searchOracle finds the demo release's surgeons and hospitals the way
// the README says search does, written again from the demo CSVs so the
// server's index is checked against the rule, not against itself: every
// word of the query begins a word of one of the unit's rows' name, id,
// hospital name or id, or specialty; case and accents are ignored.
type searchOracle struct {
	words map[string][]string // "surgeon/ID" → the unit's words
}

func oracleWords(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.FieldsFunc(b.String(), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func newSearchOracle(t *testing.T) *searchOracle {
	t.Helper()
	files, err := filepath.Glob("../demo/*.csv")
	if err != nil || len(files) == 0 {
		t.Fatalf("no demo files: %v", err)
	}
	o := &searchOracle{words: map[string][]string{}}
	add := func(key string, texts ...string) {
		for _, s := range texts {
			o.words[key] = append(o.words[key], oracleWords(s)...)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		hospitalRows := map[string]bool{} // groups with hospital rows
		for _, r := range recs[1:] {
			if r[col["unit_type"]] == "hospital" {
				hospitalRows[r[col["specialty"]]+r[col["procedure"]]+r[col["period"]]] = true
			}
		}
		for _, r := range recs[1:] {
			cell := func(name string) string { return r[col[name]] }
			key := cell("unit_type") + "/" + cell("unit_id")
			add(key, cell("unit_name"), cell("unit_id"), cell("specialty"))
			if cell("unit_type") == "surgeon" {
				add(key, cell("hospital_name"), cell("hospital_id"))
				if !hospitalRows[cell("specialty")+cell("procedure")+cell("period")] && cell("hospital_id") != "" {
					add("hospital/"+cell("hospital_id"), cell("hospital_name"), cell("hospital_id"), cell("specialty"))
				}
			}
		}
	}
	return o
}

// find returns the keys of the units q finds, sorted.
func (o *searchOracle) find(q string) []string {
	qw := oracleWords(q)
	var keys []string
	for key, words := range o.words {
		all := len(qw) > 0
		for _, w := range qw {
			if !slices.ContainsFunc(words, func(uw string) bool { return strings.HasPrefix(uw, w) }) {
				all = false
			}
		}
		if all {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

var resultLink = regexp.MustCompile(`<li><a href="/(surgeons|hospitals)/([^"]+)">`)

// TestOneSearch holds the search page and the API's q to the same
// units for the same text, and both to the rule (searchOracle): several
// words in any order, accents, prefixes, ids, hospitals.
func TestOneSearch(t *testing.T) {
	srv := newServer(t, api.Config{})
	oracle := newSearchOracle(t)
	// The downloadable database carries the same units in its SQLite FTS5
	// index (store.DB.Search); a journalist querying it must find them too.
	db, err := store.Open(context.Background(), demoDB, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"badgerreed montague",   // two words, surname first
		"Badgerreed Montague",   // case
		"bádgérrèed",            // accents the data do not have
		"badger",                // a prefix
		"mont badg",             // two prefixes
		"9000017",               // an id
		"900001",                // an id's prefix
		"ambrose kestrelby",     // a name and a hospital
		"ZZ109",                 // a hospital id
		"(kestrelby)-general.",  // punctuation separates words
		"quillhaven vascular",   // a hospital and a specialty
		"nobody-by-this-name-x", // nothing
	} {
		t.Run(q, func(t *testing.T) {
			want := oracle.find(q)
			var page []string
			_, b := get(t, srv, "GET", "/search?q="+url.QueryEscape(q))
			body := string(b)
			for _, m := range resultLink.FindAllStringSubmatch(body, -1) {
				page = append(page, strings.TrimSuffix(m[1], "s")+"/"+m[2])
			}
			slices.Sort(page)
			var apiUnits []string
			for _, kind := range []string{"surgeons", "hospitals"} {
				tab, _, _ := getCSV(t, srv, "/api/v1/"+kind+".csv?q="+url.QueryEscape(q))
				for _, r := range tab.rows {
					apiUnits = append(apiUnits, tab.cell(r, "unit_type")+"/"+tab.cell(r, "unit_id"))
				}
			}
			slices.Sort(apiUnits)
			apiUnits = slices.Compact(apiUnits)
			if n := len(want); n > 50 {
				t.Fatalf("the oracle finds %d units for %q: too many for the page's 50 of each", n, q)
			}
			if len(want) == 0 && q != "nobody-by-this-name-x" {
				t.Fatalf("the oracle finds nothing for %q: the query tests nothing", q)
			}
			if !slices.Equal(page, want) {
				t.Errorf("/search?q=%s finds %v, want %v", q, page, want)
			}
			hits, err := db.Search(context.Background(), "demo", q, 0)
			if err != nil {
				t.Fatal(err)
			}
			var fts []string
			for _, h := range hits {
				fts = append(fts, string(h.UnitType)+"/"+h.UnitID)
			}
			slices.Sort(fts)
			if !slices.Equal(fts, want) {
				t.Errorf("the database's full-text index finds %v for %q, want %v", fts, q, want)
			}
			if !slices.Equal(apiUnits, want) {
				t.Errorf("/api/v1/{surgeons,hospitals}.csv?q=%s find %v, want %v", q, apiUnits, want)
			}
		})
	}
}
