package catalog

import (
	"slices"
	"sort"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Query picks rows of one unit type. Empty fields do not filter.
type Query struct {
	UnitType                               outcome.UnitType
	Specialty, Procedure, Period, Hospital string
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
}

// Selection is the rows a query picked.
type Selection struct {
	Page    []int32  // this page: indices in Release.Rows, in order
	Count   int      // matches across all pages
	Periods []string // periods of all matches, sorted
	Next    *Key     // the last row of the page when more follow
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
	more := false
	for i, idx := range order {
		u := &r.Rows[idx]
		if u.UnitType != q.UnitType ||
			q.Specialty != "" && u.Specialty != q.Specialty ||
			q.Procedure != "" && u.Procedure != q.Procedure ||
			q.Period != "" && u.Period != q.Period ||
			u.Cases < q.MinCases ||
			len(q.Bands) > 0 && !slices.Contains(q.Bands, string(u.Band)) ||
			q.Hospital != "" && !slices.Contains(r.hospitals[idx], q.Hospital) ||
			q.Q != "" && found[r.rowUnit[idx]] == 0 {
			continue
		}
		sel.Count++
		sel.Periods = appendDistinct(sel.Periods, u.Period)
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
	return sel
}

func appendDistinct(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
