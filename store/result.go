package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// EachGroup calls fn with the units of each group loaded so far
// (outcome.Units), in key order, one group at a time, so memory holds one
// group, never the release. The units are made once here, for the search
// rows and for fn; fn may keep them, but their Rows index rows that are
// gone once it returns.
func (l *Loader) EachGroup(ctx context.Context, fn func(g outcome.Group, sets []outcome.UnitSet) error) error {
	rows, err := l.tx.QueryContext(ctx, `SELECT file_ordinal, line, specialty, procedure, period,
		unit_type, unit_id, unit_name, hospital_id, hospital_name, outcome, cases, events, expected,
		expected_rate, published_rate, published_low, published_high, published_rating, not_assessable
		FROM outcome_row WHERE release_id = ?
		ORDER BY specialty, procedure, period, unit_type, unit_id, hospital_id`, l.release)
	if err != nil {
		return fmt.Errorf("store: read groups: %w", err)
	}
	defer rows.Close()
	// The read is in outcome_row's index order, the order the search units
	// are gathered in: Commit reuses them if the read completes.
	l.search = nil
	search := newSearchSet()
	var group []outcome.Row
	var current outcome.Group
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		sets := outcome.Units(group)
		search.addUnits(group, sets)
		err := fn(current, sets)
		group = group[:0]
		return err
	}
	for rows.Next() {
		var r outcome.Row
		var n storedCounts
		if err := rows.Scan(&r.File, &r.Line, &r.Specialty, &r.Procedure, &r.Period, &r.UnitType, &r.UnitID,
			&r.UnitName, &r.HospitalID, &r.HospitalName, &r.Outcome, &n.cases, &n.events, &r.Expected,
			&r.ExpectedRate, &r.PublishedRate, &r.PublishedLow, &r.PublishedHigh, &r.PublishedRating, &r.NotAssessable); err != nil {
			return fmt.Errorf("store: read groups: %w", err)
		}
		n.set(&r.Cases, &r.Events, &r.PublishedOnly)
		g := r.Group()
		if g != current {
			if err := flush(); err != nil {
				return err
			}
			current = g
		}
		group = append(group, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read groups: %w", err)
	}
	if err := flush(); err != nil {
		return err
	}
	l.search = search
	return nil
}

// AddResult stores one funnel's results.
func (l *Loader) AddResult(ctx context.Context, g outcome.Funnel) error {
	_, err := l.tx.ExecContext(ctx, `INSERT INTO result_group (release_id, specialty, procedure, period,
		unit_type, scale, target, target_source, phi, phi_p_value, tau2, phi_units, units, assessed,
		expected_outside95, outside95, expected_outside998, outside998)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.release, g.Specialty, g.Procedure, g.Period, g.UnitType, g.Scale, nullReal(g.Target), g.TargetSource,
		nullReal(g.Phi), nullReal(g.PhiPValue), nullReal(g.Tau2), g.PhiUnits, len(g.Units), g.Assessed,
		g.ExpectedOutside95, g.Outside95, g.ExpectedOutside998, g.Outside998)
	if err != nil {
		return fmt.Errorf("store: add result %s %s %s %s: %w", g.Specialty, g.Procedure, g.Period, g.UnitType, err)
	}
	key := []any{l.release, g.Specialty, g.Procedure, g.Period, g.UnitType}
	units := make([][]any, len(g.Units))
	for i, u := range g.Units {
		cases, events := countArgs(u.Cases, u.Events, u.PublishedOnly)
		units[i] = append(key[:len(key):len(key)], u.UnitID, u.UnitName, u.Aggregated,
			cases, events, nullReal(u.Expected), nullReal(u.X), nullReal(u.Y), nullReal(u.Ratio), nullReal(u.RAMR),
			nullReal(u.Survival), nullReal(u.CILow), nullReal(u.CIHigh), nullReal(u.Lower95), nullReal(u.Upper95),
			nullReal(u.Lower998), nullReal(u.Upper998), u.Band, u.Verdict, nullReal(u.PHigh), nullReal(u.PLow),
			nullReal(u.Detectable))
	}
	if err := l.insertMany(ctx, `INSERT INTO result_unit (release_id, specialty, procedure, period,
		unit_type, unit_id, unit_name, aggregated, cases, events, expected, x, y, ratio, ramr, survival,
		ci_low, ci_high, lower95, upper95, lower998, upper998, band, verdict, p_high, p_low, detectable_ratio)
		VALUES `, units); err != nil {
		return fmt.Errorf("store: add result units %s %s %s %s: %w", g.Specialty, g.Procedure, g.Period, g.UnitType, err)
	}
	if _, err := l.tx.ExecContext(ctx, `INSERT INTO result_curve (release_id, specialty, procedure, period,
		unit_type, points) VALUES (?, ?, ?, ?, ?, ?)`, append(key, curveJSON(g.Curve))...); err != nil {
		return fmt.Errorf("store: add result curve %s %s %s %s: %w", g.Specialty, g.Procedure, g.Period, g.UnitType, err)
	}
	return nil
}

// insertMany runs insert (ending in "VALUES ") for rows, many rows to a
// prepared statement: one statement per row, or preparing each, costs a
// bulk write several times over.
func (l *Loader) insertMany(ctx context.Context, insert string, rows [][]any) error {
	const perStatement = 40 // × at most 27 columns, well under SQLite's 32,766 parameters
	for start := 0; start < len(rows); start += perStatement {
		chunk := rows[start:min(start+perStatement, len(rows))]
		var b strings.Builder
		b.WriteString(insert)
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
			args = append(args, r...)
		}
		stmt, ok := l.stmts[b.String()]
		if !ok {
			var err error
			if stmt, err = l.tx.PrepareContext(ctx, b.String()); err != nil {
				return err
			}
			l.stmts[b.String()] = stmt
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// nullReal is x for the driver: NULL when it is NaN or infinite, which SQLite
// cannot store as a REAL.
func nullReal(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

func fromNull(v sql.Null[float64]) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.V
}

// Results returns every funnel of a release with its units (sorted by
// unit id) and curves, in group order.
func (db *DB) Results(ctx context.Context, releaseID string) ([]outcome.Funnel, error) {
	out, err := db.ResultGroups(ctx, releaseID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := db.FillResult(ctx, releaseID, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ResultGroups returns every funnel of a release in group order, without
// its units and curve (FillResult reads them), so that a reader can take a
// national release one funnel at a time, never holding all its units twice.
func (db *DB) ResultGroups(ctx context.Context, releaseID string) ([]outcome.Funnel, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT specialty, procedure, period, unit_type, scale, target,
		target_source, phi, phi_p_value, tau2, phi_units, assessed, expected_outside95, outside95,
		expected_outside998, outside998 FROM result_group WHERE release_id = ?
		ORDER BY specialty, procedure, period, unit_type`, releaseID)
	if err != nil {
		return nil, fmt.Errorf("store: results of %s: %w", releaseID, err)
	}
	var out []outcome.Funnel
	for rows.Next() {
		var g outcome.Funnel
		var target, phi, phiP, tau2 sql.Null[float64]
		if err := rows.Scan(&g.Specialty, &g.Procedure, &g.Period, &g.UnitType, &g.Scale, &target,
			&g.TargetSource, &phi, &phiP, &tau2, &g.PhiUnits, &g.Assessed, &g.ExpectedOutside95, &g.Outside95,
			&g.ExpectedOutside998, &g.Outside998); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: results of %s: %w", releaseID, err)
		}
		g.Target, g.Phi, g.PhiPValue, g.Tau2 = fromNull(target), fromNull(phi), fromNull(phiP), fromNull(tau2)
		out = append(out, g)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("store: results of %s: %w", releaseID, err)
	}
	return out, nil
}

// ResultUnitCount is how many units a release's funnels place, surgeons
// and hospitals, so that a reader can size its rows once.
func (db *DB) ResultUnitCount(ctx context.Context, releaseID string) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM result_unit WHERE release_id = ?`, releaseID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: result units of %s: %w", releaseID, err)
	}
	return n, nil
}

// FillResult reads one funnel's units (sorted by unit id) and curve into
// g, a funnel ResultGroups returned.
func (db *DB) FillResult(ctx context.Context, releaseID string, g *outcome.Funnel) error {
	key := []any{releaseID, g.Specialty, g.Procedure, g.Period, g.UnitType}
	rows, err := db.sql.QueryContext(ctx, `SELECT unit_id, unit_name, aggregated, cases, events, expected, x, y,
		ratio, ramr, survival, ci_low, ci_high, lower95, upper95, lower998, upper998, band, verdict, p_high,
		p_low, detectable_ratio FROM result_unit WHERE release_id = ? AND specialty = ? AND procedure = ?
		AND period = ? AND unit_type = ? ORDER BY unit_id`, key...)
	if err != nil {
		return fmt.Errorf("store: result units: %w", err)
	}
	for rows.Next() {
		var u outcome.Position
		var n storedCounts
		var f [17]sql.Null[float64]
		if err := rows.Scan(&u.UnitID, &u.UnitName, &u.Aggregated, &n.cases, &n.events, &f[0], &f[1], &f[2],
			&f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11], &u.Band, &u.Verdict, &f[12], &f[13],
			&f[14]); err != nil {
			rows.Close()
			return fmt.Errorf("store: result units: %w", err)
		}
		n.set(&u.Cases, &u.Events, &u.PublishedOnly)
		u.Expected, u.X, u.Y, u.Ratio, u.RAMR, u.Survival = fromNull(f[0]), fromNull(f[1]), fromNull(f[2]),
			fromNull(f[3]), fromNull(f[4]), fromNull(f[5])
		u.CILow, u.CIHigh, u.Lower95, u.Upper95, u.Lower998, u.Upper998 = fromNull(f[6]), fromNull(f[7]),
			fromNull(f[8]), fromNull(f[9]), fromNull(f[10]), fromNull(f[11])
		u.PHigh, u.PLow, u.Detectable = fromNull(f[12]), fromNull(f[13]), fromNull(f[14])
		g.Units = append(g.Units, u)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("store: result units: %w", err)
	}
	var points string
	err = db.sql.QueryRowContext(ctx, `SELECT points FROM result_curve WHERE release_id = ? AND specialty = ?
		AND procedure = ? AND period = ? AND unit_type = ?`, key...).Scan(&points)
	if err != nil {
		return fmt.Errorf("store: result curve: %w", err)
	}
	if g.Curve, err = parseCurve(points); err != nil {
		return fmt.Errorf("store: result curve: %w", err)
	}
	return nil
}

// curveJSON encodes curve points as a JSON array of arrays, with null for
// NaN (which JSON cannot hold).
func curveJSON(points []outcome.CurvePoint) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range points {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, x := range [...]float64{p.X, p.Lower95, p.Upper95, p.Lower998, p.Upper998} {
			if j > 0 {
				b.WriteByte(',')
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				b.WriteString("null")
			} else {
				b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
			}
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}

func parseCurve(s string) ([]outcome.CurvePoint, error) {
	var raw [][5]*float64
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	out := make([]outcome.CurvePoint, len(raw))
	for i, r := range raw {
		out[i] = outcome.CurvePoint{X: val(r[0]), Lower95: val(r[1]), Upper95: val(r[2]), Lower998: val(r[3]), Upper998: val(r[4])}
	}
	return out, nil
}

// storedCounts is a unit's cases and events as outcome_row and result_unit
// hold them (0008_published_only.sql): events are NULL for a unit of the
// publisher's figures only, never 0, which would say no one died; cases
// are NULL where that publisher gave no volume.
type storedCounts struct{ cases, events sql.Null[int] }

// countArgs are a unit's counts as the driver takes them: cases 0 is no
// volume only where the unit is the publisher's figures only.
func countArgs(cases, events int, publishedOnly bool) (any, any) {
	if !publishedOnly {
		return cases, events
	}
	if cases == 0 {
		return nil, nil
	}
	return cases, nil
}

// set copies the counts read into a row's or a unit's fields, NULL as 0
// and NULL events as publishedOnly.
func (c *storedCounts) set(cases, events *int, publishedOnly *bool) {
	*cases, *events, *publishedOnly = c.cases.V, c.events.V, !c.events.Valid
}
