package outcome

import "database/sql"

// Group identifies a comparison group: one specialty, procedure and period.
// Every funnel is one group's units of one type.
type Group struct {
	Specialty string
	Procedure string
	Period    string
}

// Row is one published row: a unit's counts for one specialty, procedure
// and period, as the canonical CSV gives it (DESIGN.md § Canonical CSV).
// Optional numbers are sql.Null so that "not given" is never confused with
// zero.
type Row struct {
	File         int // 1-based ordinal of the input file
	Line         int // line of the row in that file
	Specialty    string
	Procedure    string
	Period       string
	UnitType     UnitType
	UnitID       string
	UnitName     string
	HospitalID   string
	HospitalName string
	Outcome      string
	Cases        int
	Events       int
	Expected     sql.Null[float64]
	ExpectedRate sql.Null[float64]
	// PublishedRate, PublishedLow and PublishedHigh are the publisher's own
	// risk-adjusted rate and interval (per 100), kept as provenance so our
	// figures can be checked against theirs.
	PublishedRate   sql.Null[float64]
	PublishedLow    sql.Null[float64]
	PublishedHigh   sql.Null[float64]
	PublishedRating string
	// NotAssessable marks a row whose expected count the publisher did not
	// give and that cannot be worked out: its expected deaths would come
	// from its published risk-adjusted rate (E = O·p0/RAMR), which says
	// nothing when there were no deaths (O = 0). Such a row is shown, never
	// judged (see [NotAssessable]); Expected is not valid.
	NotAssessable bool
	// PublishedOnly marks a row of a release of the publisher's figures
	// only (FiguresPublished): its rate, interval and rating as printed,
	// with no deaths (Events is 0 and means nothing) and Cases only where
	// the publisher gave a volume (0 where not). It is NotAssessable too:
	// nothing of ours compares it.
	PublishedOnly bool
}

// FiguresPublished is a release whose units carry only the publisher's own
// figures (its rate, interval and rating), no counts: shown and exported as
// the publisher's, never placed on a funnel by us. It is what the release
// records as its comparison and target source, since both are the
// publisher's.
const FiguresPublished = "published"

// HasCounts reports whether the row gives deaths and operations, as every
// row but a PublishedOnly one does.
func (r *Row) HasCounts() bool { return !r.PublishedOnly }

// Group is the comparison group the row belongs to.
func (r *Row) Group() Group {
	return Group{Specialty: r.Specialty, Procedure: r.Procedure, Period: r.Period}
}

// NationalRate is a publisher's national or statewide figures for a
// group: its counts, its printed rate, or both. Where a release takes its
// target from the publisher rather than from its units' own counts, the
// target p0 is the printed rate when there is one (the publisher computed
// with it: 2.27%, not the 2.2741% its counts give), else Events/Cases.
type NationalRate struct {
	File      int
	Line      int
	Specialty string
	Procedure string
	Period    string
	// Cases and Events are the national counts; Cases is 0 when the
	// publisher gives only a rate.
	Cases  int
	Events int
	// Rate is the publisher's printed national rate as a proportion
	// (2.27% is 0.0227), not valid when it prints none.
	Rate sql.Null[float64]
}

// P0 is the group's target: the printed rate if there is one, else the
// counts' rate; ok is false when the figures give neither.
func (n *NationalRate) P0() (p0 float64, ok bool) {
	switch {
	case n.Rate.Valid:
		return n.Rate.V, true
	case n.Cases > 0:
		return float64(n.Events) / float64(n.Cases), true
	}
	return 0, false
}

// Group is the comparison group the rate is the target of.
func (n *NationalRate) Group() Group {
	return Group{Specialty: n.Specialty, Procedure: n.Procedure, Period: n.Period}
}
