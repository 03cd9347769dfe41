package catalog

import (
	"fmt"
	"math"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// FieldError is a problem with one field of a submitted unit, in words
// for the submitter.
type FieldError struct {
	Field, Message string
}

// FindFunnel finds the published funnel a self-check unit belongs on:
// the period defaults to the specialty's latest, the procedure to its
// headline one (outcome.HeadlineProcedure), as the pages' do.
func (r *Release) FindFunnel(specialty, procedure, period string, unitType outcome.UnitType) (*Funnel, *FieldError) {
	if period == "" {
		period = r.LatestPeriod(specialty)
		if period == "" {
			return nil, &FieldError{Field: "specialty", Message: "the release has no results for this specialty"}
		}
	}
	procedures := r.procedures(specialty, period, unitType)
	if len(procedures) == 0 {
		return nil, &FieldError{Field: "period",
			Message: fmt.Sprintf("the release has no %s funnel for this specialty in this period", unitType)}
	}
	if procedure == "" {
		if procedure = outcome.HeadlineProcedure(specialty, procedures); procedure == "" {
			return nil, &FieldError{Field: "procedure",
				Message: "required: this period has several procedures: " + strings.Join(procedures, ", ")}
		}
	}
	for _, f := range r.Funnels {
		if f.Specialty == specialty && f.Period == period && f.UnitType == unitType && f.Procedure == procedure {
			return f, nil
		}
	}
	return nil, &FieldError{Field: "procedure",
		Message: "not in this period; procedures are " + strings.Join(procedures, ", ")}
}

// procedures lists the procedures of a specialty's funnels in a period, of
// one unit type or, when unitType is empty, of either.
func (r *Release) procedures(specialty, period string, unitType outcome.UnitType) []string {
	var out []string
	for _, f := range r.Funnels {
		if f.Specialty == specialty && f.Period == period && (unitType == "" || f.UnitType == unitType) {
			out = appendDistinct(out, f.Procedure)
		}
	}
	return out
}

// Place puts one submitted unit, a row ingest has checked (its unit type
// defaulted), on its published funnel (FindFunnel). The limits and
// p-values come from the same method as the published figures, at the
// published funnel's target, so a hospital sees what publication would
// show. The row's hospital is the unit itself for a hospital, none for a
// surgeon; it carries no publisher's figures. What is wrong with the unit
// for this release is reported field by field.
func (r *Release) Place(u outcome.Row) (Row, *Funnel, []FieldError) {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	f, ferr := r.FindFunnel(u.Specialty, u.Procedure, u.Period, u.UnitType)
	if ferr != nil {
		return Row{}, nil, append(errs, *ferr)
	}
	if r.Meta.Comparison == outcome.FiguresPublished {
		return Row{}, nil, append(errs, FieldError{Field: "release", Message: "this release holds the publisher's own figures only, with no funnel of ours to place a unit on"})
	}
	riskAdjusted := f.Scale == stats.ScaleRatio
	switch {
	case riskAdjusted && !u.Expected.Valid:
		bad("expected", "required: this funnel is risk-adjusted, so give your expected deaths from the risk model")
	case !riskAdjusted && u.Expected.Valid:
		bad("expected", "leave it out: this funnel compares crude rates, without risk adjustment")
	}
	m, err := outcome.NewMethod(r.Meta.IntervalMethod, r.Meta.Comparison, f.TargetSource, nil)
	if err == nil {
		m, err = m.WithLevels(r.Meta.IntervalLevel, r.Meta.FlagLevel)
	}
	if err != nil {
		bad("release", "the release's method cannot be applied: %v", err)
	}
	if len(errs) > 0 {
		return Row{}, nil, errs
	}
	// The published funnel's target, whichever its source; two curve
	// points, as a lone unit's curve is not drawn.
	m.Options.Target = f.Target
	m.Options.CurvePoints = 2
	unit := outcome.Unit{Type: u.UnitType, ID: u.UnitID, Name: u.UnitName, Cases: u.Cases, Events: u.Events,
		Expected: math.NaN()}
	if u.Expected.Valid {
		unit.Expected = u.Expected.V
	}
	placed := m.Place(f.Group, outcome.UnitSet{Type: u.UnitType, Units: []outcome.Unit{unit}}).Units[0]
	var hospital hospitalRef
	if u.UnitType == outcome.Hospital {
		hospital = hospitalRef{ID: u.UnitID, Name: u.UnitName, Count: 1}
	}
	row := newRow(&f.Funnel, &placed, r.outcome(f), hospital, nil)
	// A q-value is of the funnel's units as one family; placed alone, the
	// unit's would be its p_high, which says nothing of the many
	// comparisons publication makes. Nor is there a spread to shrink by
	// in a funnel of one (its shrunk figures are NaN already). Its power
	// is its own size's, and stays.
	row.QValue = math.NaN()
	return row, f, nil
}

// outcome is what a funnel counts, as its rows say.
func (r *Release) outcome(f *Funnel) string {
	if f.End > f.First {
		return r.Rows[f.First].Outcome
	}
	sp, _ := outcome.LookupSpecialty(f.Specialty)
	return sp.Outcome
}
