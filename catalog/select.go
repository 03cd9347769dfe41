package catalog

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Query picks rows of one unit type. Empty fields do not filter.
type Query struct {
	UnitType  outcome.UnitType
	Specialty string
	Procedure string
	// Period is a period code, or LatestPeriod: each specialty's newest.
	Period   string
	Hospital string
	// Bands are band codes; a row in any of them matches.
	Bands []string
	// Q is a search (Search): a row matches when its unit is found.
	Q        string
	MinCases int
	Sort     Sort
	// After resumes after the row with this key in Sort (a cursor).
	After *Key
	// Limit is the most rows a page holds; below 1, every row after After.
	Limit int
	// Facets names the fields (FacetFields) whose values Select counts
	// over every match, as Datasette's facets do.
	Facets []string
}

// LatestPeriod in Query.Period picks each specialty's newest period: one
// count per operation where a publisher's periods overlap.
const LatestPeriod = "latest"

// FacetFields are the fields a selection can be faceted by.
func FacetFields() []string { return []string{"band", "specialty", "hospital", "period"} }

// maxFacetValues bounds the values a facet lists, most frequent first: a
// national release has thousands of hospitals.
const maxFacetValues = 100

// Facet is the count of matches for each value of one field, most first
// (ties A–Z), at most maxFacetValues of them; Truncated says more values
// had matches. A surgeon's row counts for each hospital it names, as the
// hospital filter finds it at each.
type Facet struct {
	Field     string
	Values    []FacetValue
	Truncated bool
}

// FacetValue is one value of a facet and how many matches have it.
type FacetValue struct {
	Value string
	Count int
}

// Selection is the rows a query picked.
type Selection struct {
	Page    []int32  // this page: indices in Release.Rows, in order
	Count   int      // matches across all pages
	Periods []string // periods of all matches, sorted
	Next    *Key     // the last row of the page when more follow
	Facets  []Facet  // in the order Query.Facets names them
}

// Select filters the release's rows by q in q.Sort's order and cuts the
// page that follows q.After.
func (r *Release) Select(q Query) Selection {
	order := r.sortOrders().order(q.Sort)
	start := 0
	if q.After != nil {
		start = sort.Search(len(order), func(i int) bool {
			return q.Sort.Compare(q.Sort.KeyOf(&r.Rows[order[i]]), *q.After) > 0
		})
	}
	var found map[int32]int32
	if q.Q != "" {
		found = r.searchIndex().match(q.Q)
	}
	var sel Selection
	counts := make([]map[string]int, len(q.Facets))
	for i := range counts {
		counts[i] = map[string]int{}
	}
	more := false
	for i, idx := range order {
		u := &r.Rows[idx]
		if u.UnitType != q.UnitType ||
			q.Specialty != "" && u.Specialty != q.Specialty ||
			q.Procedure != "" && u.Procedure != q.Procedure ||
			q.Period == LatestPeriod && u.Period != r.LatestPeriod(u.Specialty) ||
			q.Period != "" && q.Period != LatestPeriod && u.Period != q.Period ||
			u.Cases < q.MinCases ||
			len(q.Bands) > 0 && !slices.Contains(q.Bands, string(u.Band)) ||
			q.Hospital != "" && !slices.Contains(r.hospitals[idx], q.Hospital) ||
			q.Q != "" && found[r.rowUnit[idx]] == 0 {
			continue
		}
		sel.Count++
		sel.Periods = appendDistinct(sel.Periods, u.Period)
		for f, field := range q.Facets {
			switch field {
			case "band":
				counts[f][string(u.Band)]++
			case "specialty":
				counts[f][u.Specialty]++
			case "period":
				counts[f][u.Period]++
			case "hospital":
				for _, h := range r.hospitals[idx] {
					counts[f][h]++
				}
			}
		}
		if i < start {
			continue
		}
		if q.Limit < 1 || len(sel.Page) < q.Limit {
			sel.Page = append(sel.Page, idx)
		} else {
			more = true
		}
	}
	if more {
		k := q.Sort.KeyOf(&r.Rows[sel.Page[len(sel.Page)-1]])
		sel.Next = &k
	}
	slices.Sort(sel.Periods)
	for f, field := range q.Facets {
		sel.Facets = append(sel.Facets, newFacet(field, counts[f]))
	}
	return sel
}

// newFacet orders a field's counts, most first, and keeps the first
// maxFacetValues.
func newFacet(field string, counts map[string]int) Facet {
	f := Facet{Field: field, Values: make([]FacetValue, 0, len(counts))}
	for v, n := range counts {
		f.Values = append(f.Values, FacetValue{v, n})
	}
	slices.SortFunc(f.Values, func(a, b FacetValue) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	})
	if len(f.Values) > maxFacetValues {
		f.Values, f.Truncated = f.Values[:maxFacetValues], true
	}
	return f
}

func appendDistinct(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
