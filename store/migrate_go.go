package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// goStepMarker begins, in a migration's SQL, the comment that says where
// its Go step runs: the SQL before it runs first, then the step, then the
// rest, all in the migration's one transaction. A step is for what only
// Go knows, such as the domain's rules, never for what SQL can say.
const goStepMarker = "\n-- Go step:"

// goStep is the Go step of the migration with the given version, or nil.
func goStep(version int) func(context.Context, *DB, *sql.Tx) error {
	switch version {
	case 9:
		return func(ctx context.Context, _ *DB, tx *sql.Tx) error { return fillResultFunnels(ctx, tx) }
	case 11:
		return moveReleasesToFiles
	}
	return nil
}

// splitGoStep splits a migration's SQL at its Go step, if it has one, and
// checks that a step is marked exactly where one is defined.
func splitGoStep(m migration) (before, after string, err error) {
	before, after, marked := strings.Cut(m.sql, goStepMarker)
	if marked != (goStep(m.version) != nil) {
		return "", "", fmt.Errorf("migration %s: a Go step marked (%t) but defined (%t)", m.name, marked, !marked)
	}
	// The marker's comment line goes with the step.
	if _, rest, ok := strings.Cut(after, "\n"); ok {
		after = rest
	} else {
		after = ""
	}
	return before, after, nil
}

// fillResultFunnels is 0009_result_funnel.sql's Go step: it writes every
// committed release's results into result_funnel, each funnel's units as
// result_unit holds them with the contexts that ingest now stores beside
// them (FunnelContexts, from the group's published rows), so a release
// upgraded reads exactly as one ingested anew.
func fillResultFunnels(ctx context.Context, tx *sql.Tx) error {
	type funnel struct {
		release string
		outcome.Group
		unitType outcome.UnitType
	}
	var funnels []funnel
	rows, err := tx.QueryContext(ctx, `SELECT g.release_id, g.specialty, g.procedure, g.period, g.unit_type
		FROM result_group AS g JOIN release AS r ON r.id = g.release_id
		ORDER BY g.release_id, g.specialty, g.procedure, g.period, g.unit_type`)
	if err != nil {
		return fmt.Errorf("result funnels: %w", err)
	}
	for rows.Next() {
		var f funnel
		if err := rows.Scan(&f.release, &f.Specialty, &f.Procedure, &f.Period, &f.unitType); err != nil {
			rows.Close()
			return fmt.Errorf("result funnels: %w", err)
		}
		funnels = append(funnels, f)
	}
	if err := closeRows(rows); err != nil {
		return fmt.Errorf("result funnels: %w", err)
	}
	var published []outcome.Row
	var text []byte
	for i, f := range funnels {
		if i == 0 || f.release != funnels[i-1].release || f.Group != funnels[i-1].Group {
			if published, err = groupRows(ctx, tx, f.release, f.Group); err != nil {
				return err
			}
		}
		g := outcome.Funnel{Group: f.Group, UnitType: f.unitType}
		if g.Units, err = tableUnits(ctx, tx, f.release, &g); err != nil {
			return err
		}
		name, contexts := FunnelContexts(&g, published)
		text = appendUnits(text[:0], g.Units, contexts, unitsEncoding1)
		if _, err := tx.ExecContext(ctx, `INSERT INTO result_funnel (release_id, specialty, procedure, period,
			unit_type, outcome, encoding, units) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			f.release, f.Specialty, f.Procedure, f.Period, f.unitType, name, unitsEncoding1, string(text)); err != nil {
			return fmt.Errorf("result funnel %s %s %s %s %s: %w", f.release, f.Specialty, f.Procedure, f.Period, f.unitType, err)
		}
	}
	return nil
}

// tableUnits reads one funnel's units, by unit id, from the result_unit
// table of migrations 0002 to 0008.
func tableUnits(ctx context.Context, tx *sql.Tx, releaseID string, g *outcome.Funnel) ([]outcome.Position, error) {
	rows, err := tx.QueryContext(ctx, `SELECT unit_id, unit_name, aggregated, cases, events, expected, x, y,
		ratio, ramr, survival, ci_low, ci_high, lower95, upper95, lower998, upper998, band, verdict, p_high,
		p_low, detectable_ratio FROM result_unit WHERE release_id = ? AND specialty = ? AND procedure = ?
		AND period = ? AND unit_type = ? ORDER BY unit_id`, releaseID, g.Specialty, g.Procedure, g.Period, g.UnitType)
	if err != nil {
		return nil, fmt.Errorf("result units of %s: %w", releaseID, err)
	}
	var out []outcome.Position
	for rows.Next() {
		var u outcome.Position
		var n storedCounts
		var f [15]sql.Null[float64]
		if err := rows.Scan(&u.UnitID, &u.UnitName, &u.Aggregated, &n.cases, &n.events, &f[0], &f[1], &f[2],
			&f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11], &u.Band, &u.Verdict, &f[12], &f[13],
			&f[14]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("result units of %s: %w", releaseID, err)
		}
		n.set(&u.Cases, &u.Events, &u.PublishedOnly)
		for i, p := range [...]*float64{&u.Expected, &u.X, &u.Y, &u.Ratio, &u.RAMR, &u.Survival, &u.CILow, &u.CIHigh,
			&u.Lower95, &u.Upper95, &u.Lower998, &u.Upper998, &u.PHigh, &u.PLow, &u.Detectable} {
			*p = fromNull(f[i])
		}
		out = append(out, u)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("result units of %s: %w", releaseID, err)
	}
	return out, nil
}
