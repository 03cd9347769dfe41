package outcome_test

import (
	"math"
	"testing"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

func TestCheckLevel(t *testing.T) {
	for _, ok := range []float64{95, 98, 99.8, 97.5, 99.73, 50.001, 99.999} {
		if err := outcome.CheckLevel(ok); err != nil {
			t.Errorf("CheckLevel(%g) = %v, want nil", ok, err)
		}
	}
	for in, want := range map[float64]string{
		0.98:       "0.98 is not a level in percent above 50 and below 100 (write 98 for 98%)",
		0.998:      "0.998 is not a level in percent above 50 and below 100 (write 99.8 for 99.8%)",
		100:        "100 is not a level in percent above 50 and below 100",
		50:         "50 is not a level in percent above 50 and below 100",
		-95:        "-95 is not a level in percent above 50 and below 100",
		math.NaN(): "NaN is not a level in percent above 50 and below 100",
		98.0001:    "98.0001 has more than 3 decimals",
	} {
		if err := outcome.CheckLevel(in); err == nil || err.Error() != want {
			t.Errorf("CheckLevel(%g) = %v, want %q", in, err, want)
		}
	}
}

func TestMethodWithLevels(t *testing.T) {
	m, err := outcome.NewMethod("exact", "interval", outcome.TargetCounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.WithLevels(98, 99.5)
	if err != nil {
		t.Fatal(err)
	}
	if got.Options.IntervalLevel != 0.98 || got.Options.FlagLevel != 0.995 {
		t.Errorf("WithLevels(98, 99.5) options %+v, want levels 0.98 and 0.995", got.Options)
	}
	if m.Options.IntervalLevel != 0 {
		t.Errorf("WithLevels changed its receiver: %+v", m.Options)
	}
	if _, err := m.WithLevels(98, 100); err == nil || err.Error() != "flag level: 100 is not a level in percent above 50 and below 100" {
		t.Errorf("WithLevels(98, 100) = %v", err)
	}
}
