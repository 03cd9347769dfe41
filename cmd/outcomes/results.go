package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
	"github.com/surgeon-outcomes/outcomes/store"
)

// releaseMethod is the method of the release being loaded: its settings
// and, where its target is national, the national counts it read.
func releaseMethod(ctx context.Context, l *store.Loader, rel store.Release) (outcome.Method, error) {
	var national []outcome.NationalRate
	if rel.TargetSource == outcome.TargetNational {
		var err error
		if national, err = l.NationalRates(ctx); err != nil {
			return outcome.Method{}, err
		}
	}
	return outcome.NewMethod(rel.IntervalMethod, rel.Comparison, rel.TargetSource, national)
}

// computed is one group's funnels, ready to hand on.
type computed struct {
	group   outcome.Group
	sets    []outcome.UnitSet
	results []stats.Result
}

// eachFunnel computes every funnel of the release being loaded by method m
// and hands each to fn, group by group in key order.
//
// Funnels are computed on a goroutine of their own while this one reads the
// next group and fn stores the last, so on two cores the statistics cost
// little beyond SQLite's reads and writes; every database call stays on
// this goroutine.
func eachFunnel(ctx context.Context, l *store.Loader, m outcome.Method,
	fn func(g outcome.Group, set outcome.UnitSet, res stats.Result) error) error {
	type job struct {
		group outcome.Group
		rows  []outcome.Row
	}
	jobs := make(chan job, 1)
	done := make(chan computed, 2)
	go func() {
		defer close(done)
		for j := range jobs {
			o := m.OptionsFor(j.group)
			c := computed{group: j.group, sets: outcome.Units(j.rows)}
			for _, set := range c.sets {
				c.results = append(c.results, stats.Funnel(set.Stats(), o))
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
	err := l.EachGroup(ctx, func(g outcome.Group, rows []outcome.Row) error {
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
	m, err := releaseMethod(ctx, l, rel)
	if err != nil {
		return err
	}
	return eachFunnel(ctx, l, m, func(g outcome.Group, set outcome.UnitSet, res stats.Result) error {
		if err := l.AddResult(ctx, outcome.Describe(g, set, res, m.TargetSource)); err != nil {
			return fmt.Errorf("results: %w", err)
		}
		return nil
	})
}
