package api

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestRowColumns holds the CSV header to the JSON keys, in order, so the
// CSV twin and the JSON always carry the same columns.
func TestRowColumns(t *testing.T) {
	typ := reflect.TypeFor[unitRow]()
	var keys []string
	for i := range typ.NumField() {
		keys = append(keys, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	if !reflect.DeepEqual(keys, rowColumns) {
		t.Errorf("rowColumns = %v\nwant the JSON keys %v", rowColumns, keys)
	}
	nan := number(math.NaN())
	r := unitRow{UnitType: "surgeon", Expected: nan, Target: nan, Rate: 0.5, Ratio: nan, RAMR: nan,
		Survival: nan, SurvivalLow: nan, SurvivalHigh: nan, CILow: nan, CIHigh: nan, Lower95: nan,
		Upper95: nan, Lower998: nan, Upper998: nan, PHigh: nan, PLow: nan, DetectableRatio: nan, FunnelX: nan,
		FunnelY: nan, PublishedExpectedRate: nan, PublishedRate: nan, PublishedLow: nan, PublishedHigh: nan}
	rec := r.csvRecord(nil)
	if len(rec) != len(rowColumns) {
		t.Fatalf("csvRecord has %d cells, want %d", len(rec), len(rowColumns))
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for i, col := range rowColumns {
		if m[col] == nil && rec[i] != "" {
			t.Errorf("column %s: JSON null but CSV cell %q, want empty", col, rec[i])
		}
	}
	if m["rate"] != 0.5 || rec[17] != "0.5" {
		t.Errorf("rate: JSON %v, CSV %q; want 0.5 in both", m["rate"], rec[17])
	}
}
