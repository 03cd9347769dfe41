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
}

// Group is the comparison group the row belongs to.
func (r *Row) Group() Group {
	return Group{Specialty: r.Specialty, Procedure: r.Procedure, Period: r.Period}
}

// NationalRate is a publisher's national or statewide counts for a group:
// the target p0 = Events/Cases where a release takes its target from the
// publisher rather than from its units' own counts.
type NationalRate struct {
	File      int
	Line      int
	Specialty string
	Procedure string
	Period    string
	Cases     int
	Events    int
}

// Group is the comparison group the rate is the target of.
func (n *NationalRate) Group() Group {
	return Group{Specialty: n.Specialty, Procedure: n.Procedure, Period: n.Period}
}
