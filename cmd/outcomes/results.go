package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/store"
)

// releaseMethod is the method of the release being loaded: its settings,
// its levels and, where its target is national, the national counts it
// read.
func releaseMethod(ctx context.Context, l *store.Loader, rel store.Release) (outcome.Method, error) {
	var national []outcome.NationalRate
	if rel.TargetSource == outcome.TargetNational {
		var err error
		if national, err = l.NationalRates(ctx); err != nil {
			return outcome.Method{}, err
		}
	}
	m, err := outcome.NewMethod(rel.IntervalMethod, rel.Comparison, rel.TargetSource, national)
	if err != nil {
		return outcome.Method{}, err
	}
	return m.WithLevels(rel.IntervalLevel, rel.FlagLevel)
}

// eachFunnel computes every funnel of the release being loaded by method m
// and hands each to fn, group by group in key order.
//
// Funnels are computed on every core (outcome.Pool) while this goroutine
// reads the next groups and fn stores the last, a few groups ahead at
// most; every database call stays on this goroutine.
func eachFunnel(ctx context.Context, l *store.Loader, m outcome.Method, fn func(outcome.Computed) error) error {
	pool := outcome.NewPool(&m, 0)
	defer pool.Close()
	ahead := 2 * runtime.GOMAXPROCS(0)
	var pending []*outcome.Pending
	emit := func() error {
		pd := pending[0]
		pending = pending[1:]
		for _, c := range pd.Wait() {
			if err := fn(c); err != nil {
				return err
			}
		}
		return nil
	}
	err := l.EachGroup(ctx, func(g outcome.Group, sets []outcome.UnitSet) error {
		pending = append(pending, pool.GoUnits(g, sets))
		if len(pending) <= ahead {
			return nil
		}
		return emit()
	})
	for err == nil && len(pending) > 0 {
		err = emit()
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
	return eachFunnel(ctx, l, m, func(c outcome.Computed) error {
		if err := l.AddResult(ctx, outcome.Describe(c.Group, c.Set, c.Result, m.TargetSource)); err != nil {
			return fmt.Errorf("results: %w", err)
		}
		return nil
	})
}
