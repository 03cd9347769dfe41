package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/surgeon-outcomes/outcomes/stats"
	"github.com/surgeon-outcomes/outcomes/store"
)

// funnelSet is one funnel's worth of units: a group's surgeons, or its
// hospitals.
type funnelSet struct {
	unitType   string
	aggregated bool
	ids        []string
	names      []string
	units      []stats.Unit
}

// unitSets builds a group's funnels from its rows (DESIGN.md § Canonical
// CSV): a surgeon's rows at several hospitals are summed into one unit; a
// hospital's unit is its own row, or, when the group has no hospital rows,
// the sum of its surgeons' rows.
func unitSets(rows []store.Row) []funnelSet {
	type acc struct {
		name          string
		cases, events int
		expected      float64
	}
	sum := func(m map[string]*acc, id, name string, r store.Row) {
		a, ok := m[id]
		if !ok {
			a = &acc{name: name}
			m[id] = a
		}
		a.cases += r.Cases
		a.events += r.Events
		if r.Expected.Valid {
			a.expected += r.Expected.V
		} else {
			a.expected = math.NaN()
		}
	}
	surgeons, hospitals, fromSurgeons := map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	for _, r := range rows {
		switch r.UnitType {
		case "surgeon":
			sum(surgeons, r.UnitID, r.UnitName, r)
			if r.HospitalID != "" {
				sum(fromSurgeons, r.HospitalID, r.HospitalName, r)
			}
		case "hospital":
			sum(hospitals, r.UnitID, r.UnitName, r)
		}
	}
	set := func(unitType string, aggregated bool, m map[string]*acc) funnelSet {
		s := funnelSet{unitType: unitType, aggregated: aggregated}
		for id := range m {
			s.ids = append(s.ids, id)
		}
		sort.Strings(s.ids)
		for _, id := range s.ids {
			a := m[id]
			s.names = append(s.names, a.name)
			s.units = append(s.units, stats.Unit{Cases: a.cases, Observed: a.events, Expected: a.expected})
		}
		return s
	}
	var sets []funnelSet
	if len(surgeons) > 0 {
		sets = append(sets, set("surgeon", false, surgeons))
	}
	switch {
	case len(hospitals) > 0:
		sets = append(sets, set("hospital", false, hospitals))
	case len(fromSurgeons) > 0:
		sets = append(sets, set("hospital", true, fromSurgeons))
	}
	return sets
}

// funnelOptions turns a release's method settings into stats options.
func funnelOptions(rel store.Release) (stats.Options, error) {
	return stats.ParseOptions(rel.IntervalMethod, rel.Comparison)
}

// computed is one group's funnels, ready to hand on.
type computed struct {
	group   store.Group
	sets    []funnelSet
	results []stats.Result
}

// eachFunnel computes every funnel of the release being loaded and hands
// each to fn, group by group in key order. The target is the group's own
// rate, or the publisher's national rate where the release says so.
//
// Funnels are computed on a goroutine of their own while this one reads the
// next group and fn stores the last, so on two cores the statistics cost
// little beyond SQLite's reads and writes; every database call stays on
// this goroutine.
func eachFunnel(ctx context.Context, l *store.Loader, rel store.Release, opts stats.Options,
	fn func(g store.Group, set funnelSet, res stats.Result) error) error {
	national := map[store.Group]store.NationalRate{}
	if rel.TargetSource == "national" {
		rates, err := l.NationalRates(ctx)
		if err != nil {
			return err
		}
		for _, n := range rates {
			national[store.Group{Specialty: n.Specialty, Procedure: n.Procedure, Period: n.Period}] = n
		}
	}
	type job struct {
		group store.Group
		rows  []store.Row
	}
	jobs := make(chan job, 1)
	done := make(chan computed, 2)
	go func() {
		defer close(done)
		for j := range jobs {
			o := opts
			o.Target = math.NaN()
			if n, ok := national[j.group]; ok {
				o.Target = float64(n.Events) / float64(n.Cases)
			}
			c := computed{group: j.group, sets: unitSets(j.rows)}
			for _, set := range c.sets {
				c.results = append(c.results, stats.Funnel(set.units, o))
			}
			done <- c
		}
	}()
	emit := func(c computed) error {
		for i, set := range c.sets {
			if err := fn(c.group, set, c.results[i]); err != nil {
				return err
			}
		}
		return nil
	}
	pending := 0
	err := l.EachGroup(ctx, func(g store.Group, rows []store.Row) error {
		jobs <- job{group: g, rows: slices.Clone(rows)} // EachGroup reuses rows
		pending++
		if pending < 2 {
			return nil
		}
		pending--
		return emit(<-done)
	})
	close(jobs)
	for c := range done { // drain, so the goroutine always ends
		if err == nil {
			err = emit(c)
		}
	}
	return err
}

// storeResults is ingest's BeforeCommit: it places every unit of the
// release on its funnel and stores the results beside the rows, in the
// load's transaction, so a release is never without its results.
func storeResults(ctx context.Context, l *store.Loader, rel store.Release) error {
	opts, err := funnelOptions(rel)
	if err != nil {
		return err
	}
	return eachFunnel(ctx, l, rel, opts, func(g store.Group, set funnelSet, res stats.Result) error {
		if err := l.AddResult(ctx, toGroupResult(g, rel.TargetSource, set, res)); err != nil {
			return fmt.Errorf("results: %w", err)
		}
		return nil
	})
}

// toGroupResult maps a stats result onto the store's row types.
func toGroupResult(g store.Group, targetSource string, set funnelSet, res stats.Result) store.GroupResult {
	gr := store.GroupResult{Group: g, UnitType: set.unitType, Scale: string(res.Scale), Target: res.Target,
		TargetSource: targetSource, Phi: res.Phi, PhiPValue: res.PhiPValue, Tau2: res.Tau2, PhiUnits: res.PhiUnits,
		Flagged: res.Flagged, ExpectedOutside95: res.ExpectedOutside95, Outside95: res.Outside95,
		ExpectedOutside998: res.ExpectedOutside998, Outside998: res.Outside998}
	for i, u := range res.Units {
		in := set.units[i]
		gr.Units = append(gr.Units, store.UnitResult{UnitID: set.ids[i], UnitName: set.names[i],
			Aggregated: set.aggregated, Cases: in.Cases, Events: in.Observed, Expected: in.Expected,
			X: u.X, Y: u.Y, Ratio: u.Ratio, RAMR: u.RAMR, Survival: u.Survival, CILow: u.CILow, CIHigh: u.CIHigh,
			Lower95: u.Lower95, Upper95: u.Upper95, Lower998: u.Lower998, Upper998: u.Upper998,
			Band: string(u.Band), Verdict: string(u.Verdict), PHigh: u.PHigh, PLow: u.PLow,
			Detectable: u.DetectableRatio})
	}
	for _, c := range res.Curve {
		gr.Curve = append(gr.Curve, store.CurvePoint{X: c.X, Lower95: c.Lower95, Upper95: c.Upper95,
			Lower998: c.Lower998, Upper998: c.Upper998})
	}
	return gr
}
