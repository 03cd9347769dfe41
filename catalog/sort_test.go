package catalog

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// sortRows makes n rows with many ties (few distinct values per field),
// undefined figures (NaN), accented names and titles, and the same name
// on several units, so every tie-breaker is exercised.
func sortRows(n int, seed uint64) []Row {
	rng := rand.New(rand.NewPCG(seed, 1))
	first := []string{"Zoë", "Ana", "Mr Liam", "Dr Émile", "Orla", "Professor Ada"}
	last := []string{"Ó Briain", "Brackentarn", "Cloverfeather", "Ng", "Heronreed"}
	bands := []outcome.Band{outcome.Within, outcome.HighAlert, outcome.HighAlarm, outcome.TooFew}
	rows := make([]Row, n)
	for i := range rows {
		r := &rows[i]
		r.UnitName = first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))]
		r.UnitID = fmt.Sprintf("%07d", rng.IntN(n/2+1))
		r.UnitType = []outcome.UnitType{outcome.Surgeon, outcome.Hospital}[rng.IntN(2)]
		r.HospitalName = []string{"St Élan", "st elan", "Royal"}[rng.IntN(3)]
		r.Specialty = []string{"vascular", "adult-cardiac"}[rng.IntN(2)]
		r.Procedure = "all"
		r.Period = []string{"2021-04/2024-03", "2022-04/2025-03"}[rng.IntN(2)]
		r.Cases = rng.IntN(5)
		r.Events = rng.IntN(3)
		r.Expected = float64(rng.IntN(4)) / 2
		r.Ratio = []float64{math.NaN(), 0, 1, 1.5, math.Copysign(0, -1)}[rng.IntN(5)] // −0 sorts as 0
		r.RAMR, r.Survival, r.PHigh, r.PLow = r.Ratio, 1-r.Ratio/10, float64(rng.IntN(3))/4, math.NaN()
		r.Band = bands[rng.IntN(len(bands))]
	}
	return rows
}

// TestSortOrders: every order a sortIndex builds, ascending and descending
// alike, is the one Sort.Compare defines, which the keyset cursors search
// with. Keys are unique (the unit's whole key breaks every tie), so each
// neighbour must compare strictly less.
func TestSortOrders(t *testing.T) {
	rows := sortRows(3000, 7)
	// Make the keys unique, as a release's are: no unit twice.
	for i := range rows {
		rows[i].UnitID += fmt.Sprintf("-%d", i)
	}
	orders := newSortIndex(rows)
	for f := range sortFields {
		for _, desc := range []bool{false, true} {
			s := Sort{field: f, Desc: desc}
			order := orders.order(s)
			if len(order) != len(rows) {
				t.Fatalf("%s: %d rows, want %d", s, len(order), len(rows))
			}
			seen := make([]bool, len(rows))
			for i, idx := range order {
				if seen[idx] {
					t.Fatalf("%s: row %d twice", s, idx)
				}
				seen[idx] = true
				if i == 0 {
					continue
				}
				a, b := s.KeyOf(&rows[order[i-1]]), s.KeyOf(&rows[idx])
				if s.Compare(a, b) >= 0 {
					t.Fatalf("%s: position %d (%+v) does not come before %d (%+v)", s, i-1, a, i, b)
				}
			}
		}
	}
}

// TestSortIndexConcurrent: queries arriving together for orders not yet
// built each get the whole order, the same as one query alone would.
func TestSortIndexConcurrent(t *testing.T) {
	rows := sortRows(2000, 5)
	want := newSortIndex(rows)
	got := newSortIndex(rows)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for f := range sortFields {
				for _, desc := range []bool{true, false} {
					s := Sort{field: f, Desc: desc}
					if !slices.Equal(got.order(s), want.order(s)) {
						t.Errorf("%s: a concurrent build differs", s)
					}
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkSortIndex sorts a national release as the server does at
// start (the default order: newSortIndex) and then every other order, as
// queries would ask for them: 1,000,000 units, every surgeon distinct.
func BenchmarkSortIndex(b *testing.B) {
	rows := distinctRows(1_000_000)
	b.Run("start", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			newSortIndex(rows)
		}
	})
	b.Run("every-order", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x := newSortIndex(rows)
			for f := range sortFields {
				x.order(Sort{field: f})
			}
		}
	})
}

// distinctRows is sortRows with every unit distinct, its name and id its
// own, as in a national release of n surgeons.
func distinctRows(n int) []Row {
	rows := sortRows(n, 11)
	for i := range rows {
		rows[i].UnitName = fmt.Sprintf("Mr Invented Surgeon%07d Number %d", i*7919%1_000_003, i)
		rows[i].UnitID = fmt.Sprintf("%07d", i)
	}
	return rows
}
