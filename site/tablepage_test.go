package site

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// TestPageRows pages a long A–Z table: every row is on exactly one page,
// in order; each first letter of a surname links to the page where it
// starts, keeping the other parameters; a page out of range shows the
// nearest; a table of tableRows rows or fewer is not paged.
func TestPageRows(t *testing.T) {
	if rows, p := pageRows(make([]catalog.Row, tableRows), outcome.Surgeon, nil, "page", "table", "x"); p != nil ||
		len(rows) != tableRows {
		t.Fatalf("%d rows: paged (%v), want written whole", tableRows, p)
	}
	var rows []catalog.Row
	for i := range 2*tableRows + 7 {
		// Surnames A…, then B…, …: 26 runs of about 39 rows, and a few
		// beginning with a digit, which sort first.
		surname := string(rune('A'+i*26/(2*tableRows+7))) + strconv.Itoa(100000+i)
		if i < 3 {
			surname = strconv.Itoa(i)
		}
		rows = append(rows, catalog.Row{UnitID: strconv.Itoa(i), UnitName: "Dr Ann " + surname})
	}
	slices.SortFunc(rows, func(a, b catalog.Row) int { return catalog.CompareNames(a.UnitName, b.UnitName) })
	q := url.Values{"procedure": {"all"}, "highlight": {"7"}}
	var seen []string
	var letters []pagerLetter
	for n := 1; n <= 3; n++ {
		q.Set("page", strconv.Itoa(n))
		shown, p := pageRows(rows, outcome.Surgeon, q, "page", "table", "Pages")
		if p == nil || p.Page != n || p.Pages != 3 || p.Of != len(rows) || p.From != len(seen)+1 || p.To != len(seen)+len(shown) {
			t.Fatalf("page %d: pager %+v for %d rows shown after %d", n, p, len(shown), len(seen))
		}
		if (p.Prev == "") != (n == 1) || (p.Next == "") != (n == 3) {
			t.Errorf("page %d: previous %q, next %q", n, p.Prev, p.Next)
		}
		for _, u := range shown {
			seen = append(seen, u.UnitID)
		}
		if letters == nil {
			letters = p.Letters
		}
	}
	for i := range rows {
		if i >= len(seen) || seen[i] != rows[i].UnitID {
			t.Fatalf("the pages list %d rows, not every one in order (row %d)", len(seen), i)
		}
	}
	if len(letters) != 27 || letters[0].Letter != "#" || letters[1].Letter != "A" || letters[26].Letter != "Z" {
		t.Fatalf("letters %v, want #, A…Z", letters)
	}
	for _, l := range letters {
		u, err := url.Parse(l.URL)
		if err != nil || u.Fragment != "table" || u.Query().Get("highlight") != "7" || u.Query().Get("procedure") != "all" {
			t.Errorf("letter %s: link %q does not keep the page's parameters and return to the table", l.Letter, l.URL)
		}
		n, _ := strconv.Atoi(u.Query().Get("page"))
		first := slices.IndexFunc(rows, func(r catalog.Row) bool {
			return firstLetter(catalog.NameKey(r.UnitName)) == l.Letter
		})
		if want := first/tableRows + 1; n != want {
			t.Errorf("letter %s: page %d, want %d, where it starts", l.Letter, n, want)
		}
	}
	for _, asked := range []string{"0", "-3", "x", "99"} {
		_, p := pageRows(rows, outcome.Surgeon, url.Values{"page": {asked}}, "page", "table", "Pages")
		if want := 1; strings.HasPrefix(asked, "9") && p.Page != 3 || !strings.HasPrefix(asked, "9") && p.Page != want {
			t.Errorf("?page=%s: page %d", asked, p.Page)
		}
	}
}
