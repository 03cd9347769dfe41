package catalog_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/store"
)

// TestLoadComputesOlderSecondFigures turns the demo release's file into
// one stored before migration 0013 (every funnel in units encoding 1, its
// nine second figures dropped, result_group's fit emptied) and checks that
// the catalog loaded from it has every row's second figures and every
// funnel's fit exactly as the release stored at ingest: computed at load
// by the same statistics from the stored figures.
func TestLoadComputesOlderSecondFigures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.db")
	copyFile(t, demoDB, path)
	file := store.ReleaseFilePath(path, "demo")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, store.ReleaseFilePath(demoDB, "demo"), file)
	copyFile(t, store.SHA256Path(store.ReleaseFilePath(demoDB, "demo")), store.SHA256Path(file))
	old, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	drop := "$[28]"
	for i := 29; i <= 36; i++ {
		drop = fmt.Sprintf("$[%d]', '%s", i, drop) // highest first: each removal shifts the rest
	}
	for _, q := range []string{
		`DROP TRIGGER result_funnel_immutable_update`,
		`DROP TRIGGER result_group_immutable_update`,
		`UPDATE result_funnel SET encoding = 1, units = (SELECT json_group_array(json(json_remove(value, '` + drop + `')))
			FROM (SELECT value FROM json_each(units) ORDER BY key))`,
		`UPDATE result_group SET shrink_fit = '', alpha = NULL, rankability = NULL`,
	} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var long int
	if err := old.QueryRowContext(ctx, `SELECT count(*) FROM result_funnel, json_each(units) WHERE json_array_length(value) <> 28`).Scan(&long); err != nil || long != 0 {
		t.Fatalf("%d units not of 28 values after the downgrade (%v)", long, err)
	}
	old.Close()

	load := func(path string) *catalog.Release {
		db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		c, err := catalog.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return c.Release("demo")
	}
	want, got := load(demoDB), load(path)
	if len(got.Rows) != len(want.Rows) || len(got.Funnels) != len(want.Funnels) {
		t.Fatalf("%d rows, %d funnels; want %d, %d", len(got.Rows), len(got.Funnels), len(want.Rows), len(want.Funnels))
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	defined := 0
	for i := range want.Rows {
		w, g := &want.Rows[i], &got.Rows[i]
		for j, pair := range [][2]float64{{g.ShrunkRatio, w.ShrunkRatio}, {g.ShrunkLow, w.ShrunkLow},
			{g.ShrunkHigh, w.ShrunkHigh}, {g.Reliability, w.Reliability}, {g.QValue, w.QValue},
			{g.Power2x, w.Power2x}, {g.Power1_5x, w.Power1_5x}, {g.DetectableRatio80, w.DetectableRatio80}} {
			if !same(pair[0], pair[1]) {
				t.Errorf("row %d (%s %s %s) figure %d = %v, stored at ingest %v", i, g.UnitID, g.Procedure, g.Period, j,
					pair[0], pair[1])
			}
		}
		if !math.IsNaN(g.ShrunkRatio) {
			defined++
		}
	}
	for i := range want.Funnels {
		w, g := want.Funnels[i], got.Funnels[i]
		if g.ShrinkFit != w.ShrinkFit || !same(g.Alpha, w.Alpha) || !same(g.Rankability, w.Rankability) {
			t.Errorf("funnel %v %s: fit %s α %v rankability %v, stored %s %v %v", g.Group, g.UnitType, g.ShrinkFit,
				g.Alpha, g.Rankability, w.ShrinkFit, w.Alpha, w.Rankability)
		}
	}
	if defined < len(want.Rows)/2 {
		t.Errorf("%d of %d rows with a shrunk ratio; want most", defined, len(want.Rows))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
