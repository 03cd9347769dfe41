package site

import (
	"net/url"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// tableRows is the most rows a unit table shows at once. A national funnel
// can hold 100,000 units, some 330 bytes of HTML each: a table longer than
// this is paged, keeping its A–Z order, with links to each page and to the
// page where each first letter starts, so a reader on a phone still finds
// a name in a few taps. A table this long or shorter is written whole, as
// it always was.
const tableRows = 500

// tablePager is one page of a paged unit table, and the links to the
// others.
type tablePager struct {
	// Label names the navigation, for a screen reader; By is what the
	// letters are of: surnames, or names.
	Label, By string
	// From and To are the rows shown, counting from 1, of Of.
	From, To, Of int
	Page, Pages  int
	// Prev and Next are the neighbouring pages' addresses; empty at the
	// ends.
	Prev, Next string
	// Letters link each first letter (of the surname, for surgeons) to
	// the page where it starts; Current marks the ones on this page.
	Letters []pagerLetter
}

// pagerLetter is a first letter and the page where it starts.
type pagerLetter struct {
	Letter, URL string
	Current     bool
}

// pageRows is the page of rows (A–Z) that q's param asks for, with its
// pager, or every row and nil when they fit on one page. A page number out
// of range shows the nearest page; anchor is the id the links return to.
func pageRows(rows []catalog.Row, t outcome.UnitType, q url.Values, param, anchor, label string) ([]catalog.Row, *tablePager) {
	if len(rows) <= tableRows {
		return rows, nil
	}
	pages := (len(rows) + tableRows - 1) / tableRows
	page, _ := strconv.Atoi(q.Get(param))
	page = min(max(page, 1), pages)
	at := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set(param, strconv.Itoa(n))
		return "?" + v.Encode() + "#" + anchor
	}
	p := &tablePager{Label: label, From: (page-1)*tableRows + 1, To: min(page*tableRows, len(rows)), Of: len(rows),
		Page: page, Pages: pages, By: "names"}
	if t == outcome.Surgeon {
		p.By = "surnames"
	}
	if page > 1 {
		p.Prev = at(page - 1)
	}
	if page < pages {
		p.Next = at(page + 1)
	}
	seen := map[string]bool{} // "#" can come twice: before "a", and after "z"
	for i := range rows {
		l := firstLetter(catalog.UnitNameKey(t, rows[i].UnitName))
		if seen[l] {
			continue
		}
		seen[l] = true
		n := i/tableRows + 1
		p.Letters = append(p.Letters, pagerLetter{Letter: l, URL: at(n), Current: n == page})
	}
	return rows[p.From-1 : p.To], p
}

// firstLetter is the letter an A–Z key is filed under: its first letter,
// upper case, or # when it begins with something else (keys are folded:
// catalog.Fold).
func firstLetter(key string) string {
	r, _ := utf8.DecodeRuneInString(key)
	if r >= 'a' && r <= 'z' {
		return string(unicode.ToUpper(r))
	}
	return "#"
}
