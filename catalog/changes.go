package catalog

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// What a [Change] is.
const (
	ChangeAdded   = "added"   // a unit the older release did not have
	ChangeGone    = "gone"    // a unit the newer release no longer has
	ChangeBand    = "band"    // a unit whose band moved (within → high_alert)
	ChangeFigures = "figures" // a unit whose figures moved, its band not
)

// SurvivalShift is how far a unit's risk-adjusted survival must move
// between two periods to be listed as a change of figures: one percentage
// point, about the width a funnel's limits give a few hundred operations.
// Within one period any change of a count is listed: the period's
// patients are the same, so the counts should be too, and a change is a
// correction.
const SurvivalShift = 0.01

// Change is how one unit's result differs between two releases: the
// newer's unit (Row) beside the older's (Since), either nil where the unit
// is in one release only. Units are compared within their funnel
// (specialty, procedure, unit type): period by period where the releases
// share periods (a correction), else the newer release's latest period
// against the older's (a year's update).
type Change struct {
	Kind       string
	Row, Since *Row
}

// Unit is the row that names the change's unit: the newer's, else the
// older's.
func (c *Change) Unit() *Row { return cmp.Or(c.Row, c.Since) }

// Changes lists how r differs from since, unit by unit, in funnel order
// and then unit id, with the units unchanged left out.
func Changes(r, since *Release) []Change {
	var out []Change
	for _, key := range funnelKeys(r, since) {
		for _, pair := range periodPairs(r.funnelsOf(key), since.funnelsOf(key)) {
			out = append(out, compareFunnels(r, pair[0], since, pair[1])...)
		}
	}
	return out
}

// funnelKey is what a funnel compares across releases: its specialty,
// procedure and unit type, whatever its period.
type funnelKey struct {
	specialty, procedure string
	unitType             outcome.UnitType
}

// funnelKeys lists the keys of both releases' funnels, sorted.
func funnelKeys(a, b *Release) []funnelKey {
	var keys []funnelKey
	for _, r := range []*Release{a, b} {
		for _, f := range r.Funnels {
			k := funnelKey{f.Specialty, f.Procedure, f.UnitType}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.SortFunc(keys, func(x, y funnelKey) int {
		return cmp.Or(strings.Compare(x.specialty, y.specialty), strings.Compare(x.procedure, y.procedure),
			strings.Compare(string(x.unitType), string(y.unitType)))
	})
	return keys
}

// funnelsOf lists the release's funnels with key k, by period.
func (r *Release) funnelsOf(k funnelKey) []*Funnel {
	var fs []*Funnel
	for _, f := range r.Funnels {
		if f.Specialty == k.specialty && f.Procedure == k.procedure && f.UnitType == k.unitType {
			fs = append(fs, f)
		}
	}
	slices.SortFunc(fs, func(a, b *Funnel) int { return strings.Compare(a.Period, b.Period) })
	return fs
}

// periodPairs pairs the newer release's funnels with the older's: by
// period where they share any, else the latest of each. A funnel with no
// partner is paired with nil.
func periodPairs(newer, older []*Funnel) [][2]*Funnel {
	var pairs [][2]*Funnel
	shared := false
	for _, n := range newer {
		for _, o := range older {
			if n.Period == o.Period {
				pairs = append(pairs, [2]*Funnel{n, o})
				shared = true
			}
		}
	}
	if shared {
		return pairs
	}
	var n, o *Funnel
	if len(newer) > 0 {
		n = newer[len(newer)-1]
	}
	if len(older) > 0 {
		o = older[len(older)-1]
	}
	return [][2]*Funnel{{n, o}}
}

// compareFunnels lists the changes from funnel b of release since to
// funnel a of release r (either nil), by unit id.
func compareFunnels(r *Release, a *Funnel, since *Release, b *Funnel) []Change {
	var rows, old []Row
	if a != nil {
		rows = r.FunnelRows(a)
	}
	if b != nil {
		old = since.FunnelRows(b)
	}
	samePeriod := a != nil && b != nil && a.Period == b.Period
	var out []Change
	i, j := 0, 0
	for i < len(rows) || j < len(old) {
		switch {
		case j == len(old) || i < len(rows) && rows[i].UnitID < old[j].UnitID:
			out = append(out, Change{Kind: ChangeAdded, Row: &rows[i]})
			i++
		case i == len(rows) || old[j].UnitID < rows[i].UnitID:
			out = append(out, Change{Kind: ChangeGone, Since: &old[j]})
			j++
		default:
			if kind := changed(&rows[i], &old[j], samePeriod); kind != "" {
				out = append(out, Change{Kind: kind, Row: &rows[i], Since: &old[j]})
			}
			i++
			j++
		}
	}
	return out
}

// changed says how a unit's row moved from old to now: its band, else its
// figures (any count within one period; survival by SurvivalShift across
// periods), else "".
func changed(now, old *Row, samePeriod bool) string {
	switch {
	case now.Band != old.Band:
		return ChangeBand
	case samePeriod && (now.Cases != old.Cases || now.Events != old.Events || now.PublishedOnly != old.PublishedOnly ||
		!sameFigure(now.Expected, old.Expected) || !sameFigure(now.PublishedRate, old.PublishedRate)):
		return ChangeFigures
	case !samePeriod && math.Abs(now.Survival-old.Survival) >= SurvivalShift:
		return ChangeFigures
	}
	return ""
}

// sameFigure reports whether two figures are equal, both undefined (NaN)
// counting as equal.
func sameFigure(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// ChangeCount is one specialty's changes, counted by kind.
type ChangeCount struct {
	Specialty                  string
	Added, Gone, Band, Figures int
}

// CountChanges counts changes by specialty, in the order Changes lists
// them (specialties sorted), for the API's summary and the release page.
func CountChanges(changes []Change) []ChangeCount {
	var out []ChangeCount
	for i := range changes {
		sp := changes[i].Unit().Specialty
		if n := len(out); n == 0 || out[n-1].Specialty != sp {
			out = append(out, ChangeCount{Specialty: sp})
		}
		c := &out[len(out)-1]
		switch changes[i].Kind {
		case ChangeAdded:
			c.Added++
		case ChangeGone:
			c.Gone++
		case ChangeBand:
			c.Band++
		case ChangeFigures:
			c.Figures++
		}
	}
	return out
}
