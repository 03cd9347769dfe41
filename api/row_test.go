package api

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
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

// TestEnumsAreTheDomains holds the enums the OpenAPI document lists (swag
// reads them from struct tags, which cannot name Go constants) to the
// domain's band codes and unit types, so the document cannot drift from
// package outcome.
func TestEnumsAreTheDomains(t *testing.T) {
	var bands, types []string
	for _, w := range outcome.Bands() {
		bands = append(bands, string(w.Band))
	}
	for _, u := range outcome.UnitTypes() {
		types = append(types, string(u))
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[unitRow](), reflect.TypeFor[pointDTO](),
		reflect.TypeFor[funnelSummary](), reflect.TypeFor[selfCheckUnit]()} {
		for i := range typ.NumField() {
			f := typ.Field(i)
			enums := f.Tag.Get("enums")
			if enums == "" {
				continue
			}
			got := strings.Split(enums, ",")
			var want []string
			switch strings.Split(f.Tag.Get("json"), ",")[0] {
			case "band":
				want = bands
			case "unit_type":
				want = types
			default:
				continue
			}
			slices.Sort(got)
			want = slices.Sorted(slices.Values(want))
			if !slices.Equal(got, want) {
				t.Errorf("%s.%s enums = %v, want the domain's %v", typ.Name(), f.Name, got, want)
			}
		}
	}
}
