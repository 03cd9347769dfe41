package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// EachGroup calls fn with the units of each group loaded so far
// (outcome.Units), in key order, one group at a time, made from the rows
// held in memory, never read back from the file. The units are made once
// here, for fn and for the search rows (which Commit then makes without
// making them again); fn may keep them, but their Rows index rows that
// are gone once it returns.
func (l *Loader) EachGroup(ctx context.Context, fn func(g outcome.Group, sets []outcome.UnitSet) error) error {
	return l.rows.eachGroupUnits(func(group []outcome.Row, sets []outcome.UnitSet) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		current := group[0].Group()
		for i := range sets {
			l.contexts[funnelKey{current, sets[i].Type}] = funnelContexts{outcome: group[0].Outcome,
				units: sets[i].Units, contexts: unitContexts(group, &sets[i])}
		}
		return fn(current, sets)
	})
}

// AddResult stores one funnel's results and, beside its units, what the
// catalog shows with them (UnitContext): their hospitals and the
// publisher's own figures, taken from the group's rows as EachGroup read
// them, so that no reader needs those rows again. A funnel whose group
// EachGroup did not read has no unit Known.
func (l *Loader) AddResult(ctx context.Context, g outcome.Funnel) error {
	_, err := l.tx.ExecContext(ctx, `INSERT INTO result_group (release_id, specialty, procedure, period,
		unit_type, scale, target, target_source, phi, phi_p_value, tau2, phi_units, units, assessed,
		expected_outside95, outside95, expected_outside998, outside998, shrink_fit, alpha, rankability)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.release, g.Specialty, g.Procedure, g.Period, g.UnitType, g.Scale, nullReal(g.Target), g.TargetSource,
		nullReal(g.Phi), nullReal(g.PhiPValue), nullReal(g.Tau2), g.PhiUnits, len(g.Units), g.Assessed,
		g.ExpectedOutside95, g.Outside95, g.ExpectedOutside998, g.Outside998, string(g.ShrinkFit),
		nullReal(g.Alpha), nullReal(g.Rankability))
	if err != nil {
		return fmt.Errorf("store: add result %s %s %s %s: %w", g.Specialty, g.Procedure, g.Period, g.UnitType, err)
	}
	key := []any{l.release, g.Specialty, g.Procedure, g.Period, g.UnitType}
	fc := l.contexts[funnelKey{g.Group, g.UnitType}]
	delete(l.contexts, funnelKey{g.Group, g.UnitType})
	contexts := make([]UnitContext, len(g.Units))
	for i := range g.Units {
		contexts[i] = contextOf(fc.units, fc.contexts, i, g.Units[i].UnitID)
	}
	l.unitsText = appendUnits(l.unitsText[:0], g.Units, contexts, unitsEncoding)
	if _, err := l.tx.ExecContext(ctx, `INSERT INTO result_funnel (release_id, specialty, procedure, period,
		unit_type, outcome, encoding, units) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		append(key, fc.outcome, unitsEncoding, string(l.unitsText))...); err != nil {
		return fmt.Errorf("store: add result units %s %s %s %s: %w", g.Specialty, g.Procedure, g.Period, g.UnitType, err)
	}
	if _, err := l.tx.ExecContext(ctx, `INSERT INTO result_curve (release_id, specialty, procedure, period,
		unit_type, points) VALUES (?, ?, ?, ?, ?, ?)`, append(key, curveJSON(g.Curve))...); err != nil {
		return fmt.Errorf("store: add result curve %s %s %s %s: %w", g.Specialty, g.Procedure, g.Period, g.UnitType, err)
	}
	return nil
}

// funnelKey names one funnel of a release.
type funnelKey struct {
	outcome.Group
	UnitType outcome.UnitType
}

// funnelContexts are a funnel's units as outcome.Units made them, their
// contexts and the group's outcome, kept from EachGroup's read of the
// group's rows until AddResult stores the funnel.
type funnelContexts struct {
	outcome  string
	units    []outcome.Unit
	contexts []UnitContext
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

// StoredFunnel is one funnel as a reader takes it: its results, with its
// units (by unit id) and curve, and what the catalog shows beside each
// unit (Contexts, in the units' order) and the group's outcome.
type StoredFunnel struct {
	outcome.Funnel
	Outcome  string
	Contexts []UnitContext
	// SecondFiguresStored is false for a funnel stored before the second
	// figures were (units encoding 1): its units' are NaN and its fit "",
	// which outcome.AddSecondFigures can fill from what was stored.
	SecondFiguresStored bool
}

// Results returns every funnel of a release with its units (sorted by
// unit id) and curves, in group order.
func (db *DB) Results(ctx context.Context, releaseID string) ([]outcome.Funnel, error) {
	var out []outcome.Funnel
	err := db.EachFunnel(ctx, releaseID, func(f *StoredFunnel) error {
		out = append(out, f.Funnel)
		return nil
	})
	return out, err
}

// ResultUnitCount is how many units a release's funnels place, surgeons
// and hospitals, so that a reader can size its rows once.
func (db *DB) ResultUnitCount(ctx context.Context, releaseID string) (int, error) {
	q, err := db.releaseData(ctx, releaseID)
	if q == nil {
		return 0, ignoreNotFound(err)
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT coalesce(sum(units), 0) FROM result_group WHERE release_id = ?`, releaseID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: result units of %s: %w", releaseID, err)
	}
	return n, nil
}

// EachFunnel calls fn with every funnel of a release in group order, one
// at a time: a national release's million units are never held
// twice. Each funnel is one row (result_group, result_curve and
// result_funnel joined); its units are decoded on every core, a few
// funnels ahead of fn, as decoding is most of a server's start. fn may
// keep what it is given.
func (db *DB) EachFunnel(ctx context.Context, releaseID string, fn func(*StoredFunnel) error) error {
	return db.EachFunnelPrepared(ctx, releaseID, nil, fn)
}

// EachFunnelPrepared is EachFunnel with prepare, when not nil, called on
// each funnel as soon as it is decoded, on the decoding goroutines, in no
// particular order and before fn sees it: for a caller's work on one
// funnel alone that would otherwise hold up the reading in order (the
// catalog computes there what a release stored before 0013 lacks).
func (db *DB) EachFunnelPrepared(ctx context.Context, releaseID string, prepare func(*StoredFunnel), fn func(*StoredFunnel) error) error {
	q, err := db.releaseData(ctx, releaseID)
	if q == nil {
		return ignoreNotFound(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	order := make(chan chan funnelRead, workers+1) // in group order, a few ahead
	go readFunnels(ctx, q, releaseID, workers, prepare, order)
	for res := range order {
		r := <-res
		if r.err != nil {
			return fmt.Errorf("store: results of %s: %w", releaseID, r.err)
		}
		if err := fn(r.f); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// funnelRead is one funnel decoded, or the error that stopped the read.
type funnelRead struct {
	f   *StoredFunnel
	err error
}

// readFunnels reads a release's funnels in group order and sends, for
// each, a channel its decoded (and prepared) funnel will come on, decoding
// up to workers at once; it stops at the first error, which it sends.
func readFunnels(ctx context.Context, q querier, releaseID string, workers int, prepare func(*StoredFunnel), order chan<- chan funnelRead) {
	defer close(order)
	fail := func(err error) {
		res := make(chan funnelRead, 1)
		res <- funnelRead{err: err}
		select {
		case order <- res:
		case <-ctx.Done():
		}
	}
	// A release file of a schema before 0013 has no fit: '' and NULLs.
	fit := `'', NULL, NULL`
	hasFit, err := hasColumn(ctx, q, "result_group", "shrink_fit")
	if err != nil {
		fail(err)
		return
	}
	if hasFit {
		fit = `g.shrink_fit, g.alpha, g.rankability`
	}
	rows, err := q.QueryContext(ctx, `SELECT g.specialty, g.procedure, g.period, g.unit_type, g.scale,
		g.target, g.target_source, g.phi, g.phi_p_value, g.tau2, g.phi_units, g.units, g.assessed,
		g.expected_outside95, g.outside95, g.expected_outside998, g.outside998, `+fit+`,
		c.points, f.outcome, f.encoding, f.units
		FROM result_group AS g
		JOIN result_curve AS c USING (release_id, specialty, procedure, period, unit_type)
		JOIN result_funnel AS f USING (release_id, specialty, procedure, period, unit_type)
		WHERE g.release_id = ? ORDER BY g.specialty, g.procedure, g.period, g.unit_type`, releaseID)
	if err != nil {
		fail(err)
		return
	}
	defer rows.Close()
	busy := make(chan struct{}, workers)
	for rows.Next() {
		f := &StoredFunnel{}
		g := &f.Funnel
		var target, phi, phiP, tau2, alpha, rankability sql.Null[float64]
		var n, encoding int
		var points string
		var units string
		if err := rows.Scan(&g.Specialty, &g.Procedure, &g.Period, &g.UnitType, &g.Scale, &target,
			&g.TargetSource, &phi, &phiP, &tau2, &g.PhiUnits, &n, &g.Assessed, &g.ExpectedOutside95, &g.Outside95,
			&g.ExpectedOutside998, &g.Outside998, &g.ShrinkFit, &alpha, &rankability, &points, &f.Outcome,
			&encoding, &units); err != nil {
			fail(err)
			return
		}
		g.Target, g.Phi, g.PhiPValue, g.Tau2 = fromNull(target), fromNull(phi), fromNull(phiP), fromNull(tau2)
		g.Alpha, g.Rankability = outcome.StoredAlpha(g.ShrinkFit, fromNull(alpha)), fromNull(rankability)
		res := make(chan funnelRead, 1)
		select {
		case order <- res:
		case <-ctx.Done():
			return
		}
		busy <- struct{}{}
		go func() {
			defer func() { <-busy }()
			r := decodeFunnel(f, n, encoding, points, units)
			if r.err == nil && prepare != nil {
				prepare(r.f)
			}
			res <- r
		}()
	}
	if err := rows.Err(); err != nil {
		fail(err)
	}
}

// hasColumn reports whether table has the named column: a release file
// of an older schema may not.
func hasColumn(ctx context.Context, q querier, table, column string) (bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT 1 FROM pragma_table_info(?) WHERE name = ?`, table, column)
	if err != nil {
		return false, fmt.Errorf("columns of %s: %w", table, err)
	}
	found := rows.Next()
	return found, closeRows(rows)
}

// decodeFunnel fills f's units, contexts and curve from their stored text.
func decodeFunnel(f *StoredFunnel, n, encoding int, points, units string) funnelRead {
	key := fmt.Sprintf("%s %s %s %s", f.Specialty, f.Procedure, f.Period, f.UnitType)
	if encoding != unitsEncoding1 && encoding != unitsEncoding {
		return funnelRead{err: fmt.Errorf("funnel %s: units in encoding %d, this program reads %d and %d", key, encoding,
			unitsEncoding1, unitsEncoding)}
	}
	var err error
	f.SecondFiguresStored = encoding >= 2
	if f.Units, f.Contexts, err = decodeUnits(units, n, encoding); err != nil {
		return funnelRead{err: fmt.Errorf("funnel %s: %w", key, err)}
	}
	if len(f.Units) != n {
		return funnelRead{err: fmt.Errorf("funnel %s: %d units stored, result_group says %d", key, len(f.Units), n)}
	}
	if f.Curve, err = decodeCurve(points); err != nil {
		return funnelRead{err: fmt.Errorf("funnel %s: curve: %w", key, err)}
	}
	return funnelRead{f: f}
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
