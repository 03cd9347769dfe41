package catalog

import (
	"cmp"
	"slices"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// HistoryPoint is one result of a unit in one release: a period of one
// specialty and procedure as that release published it.
type HistoryPoint struct {
	Release *Release
	Row     *Row
}

// History lists a surgeon's or a hospital's results in every release
// loaded, by specialty, procedure and period, and within a period oldest
// release first: ids are stable register ids, so one id is one unit
// across releases. A period may appear in several releases (overlapping
// windows, a correction); each point names its release, superseded ones
// included, so a reader sees what was published and what replaced it.
func (c *Catalog) History(t outcome.UnitType, id string) []HistoryPoint {
	var out []HistoryPoint
	for i := len(c.Releases) - 1; i >= 0; i-- { // oldest first
		r := c.Releases[i]
		idx := r.Hospital(id)
		if t == outcome.Surgeon {
			idx = r.Surgeon(id)
		}
		for _, j := range idx {
			out = append(out, HistoryPoint{Release: r, Row: &r.Rows[j]})
		}
	}
	slices.SortStableFunc(out, func(a, b HistoryPoint) int {
		return cmp.Or(strings.Compare(a.Row.Specialty, b.Row.Specialty), strings.Compare(a.Row.Procedure, b.Row.Procedure),
			strings.Compare(a.Row.Period, b.Row.Period))
	})
	return out
}
