package catalog

import "github.com/surgeon-outcomes/outcomes/outcome"

// NationalFilter narrows a national summary; an empty field matches every
// funnel. Period may be LatestPeriod: each specialty's newest.
type NationalFilter struct {
	Specialty, Procedure, Period string
	UnitType                     outcome.UnitType
}

// NationalRow is one funnel's line of the national summary: its totals
// (FunnelSummary) and whether its period is its specialty's latest, so a
// reader adding rows up can keep to one period, where overlapping periods
// would count the same patients twice.
type NationalRow struct {
	FunnelSummary
	LatestPeriod bool
}

// National summarises every funnel of the release that f matches, one row
// a funnel: specialties in the order of outcome.Specialties (the order
// every page and the API list them in), and within a specialty the
// release's funnel order (procedure, period oldest first, unit type).
// It is the one national table: the API's /summary and the site's
// /summary page both show it.
func (r *Release) National(f NationalFilter) []NationalRow {
	var out []NationalRow
	for _, sp := range outcome.Specialties() {
		if f.Specialty != "" && sp.Slug != f.Specialty {
			continue
		}
		latest := r.LatestPeriod(sp.Slug)
		for _, fu := range r.Funnels {
			if fu.Specialty != sp.Slug || f.Procedure != "" && fu.Procedure != f.Procedure ||
				f.Period == LatestPeriod && fu.Period != latest ||
				f.Period != "" && f.Period != LatestPeriod && fu.Period != f.Period ||
				f.UnitType != "" && fu.UnitType != f.UnitType {
				continue
			}
			out = append(out, NationalRow{FunnelSummary: r.Summarise(fu), LatestPeriod: fu.Period == latest})
		}
	}
	return out
}
