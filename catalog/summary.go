package catalog

import "github.com/surgeon-outcomes/outcomes/outcome"

// FunnelSummary is one funnel's totals: its units' cases and events and
// how many lie in each band, beside the funnel's own figures.
type FunnelSummary struct {
	*Funnel
	Units, Cases, Events int
	// CasesKnown and EventsKnown say whether every row gives its cases,
	// and its deaths (Row.HasCases, Row.HasEvents): in a funnel of the
	// publisher's figures only the sums are of nothing, or of only some.
	CasesKnown, EventsKnown bool
	// BandCounts counts the units in each band, every band present.
	BandCounts map[string]int
}

// Summarise totals f's rows.
func (r *Release) Summarise(f *Funnel) FunnelSummary {
	s := FunnelSummary{Funnel: f, Units: f.Len(), CasesKnown: true, EventsKnown: true, BandCounts: map[string]int{}}
	for _, w := range outcome.Bands() {
		s.BandCounts[string(w.Band)] = 0
	}
	for i := f.First; i < f.End; i++ {
		s.Cases += r.Rows[i].Cases
		s.Events += r.Rows[i].Events
		s.CasesKnown = s.CasesKnown && r.Rows[i].HasCases()
		s.EventsKnown = s.EventsKnown && r.Rows[i].HasEvents()
		s.BandCounts[string(r.Rows[i].Band)]++
	}
	return s
}

// PublishedOnly reports whether f is a funnel of the publisher's figures
// only (Row.PublishedOnly): nothing of ours to draw or compare. A release
// is of such figures or not as a whole, so its first row says.
func (r *Release) PublishedOnly(f *Funnel) bool {
	return f.End > f.First && r.Rows[f.First].PublishedOnly
}
