package outcome

import (
	"fmt"
	"math"
	"strconv"
)

// DefaultLevel is the level, in percent, of a unit's own interval and of
// the publisher's flag rule when the publisher names none.
const DefaultLevel = 95.0

// levelDecimals is how many decimals a level may have: 99.73 (three
// standard deviations) needs two; more would be a typing slip, not a
// publisher's method.
const levelDecimals = 3

// CheckLevel says what is wrong with a publisher's interval or flag level,
// in percent, or nil: it must lie strictly between 50 and 100 (a level of
// 50 or less is no interval a publisher rates by, and 0.98 is most likely
// a proportion written for 98), with at most three decimals.
func CheckLevel(percent float64) error {
	if !(percent > 50 && percent < 100) {
		hint := ""
		if percent > 0.5 && percent < 1 {
			pct := FormatLevel(math.Round(percent*1e5) / 1e3)
			hint = fmt.Sprintf(" (write %s for %s%%)", pct, pct)
		}
		return fmt.Errorf("%s is not a level in percent above 50 and below 100%s", FormatLevel(percent), hint)
	}
	scaled := percent * math.Pow10(levelDecimals)
	if math.Abs(scaled-math.Round(scaled)) > 1e-6 {
		return fmt.Errorf("%s has more than %d decimals", FormatLevel(percent), levelDecimals)
	}
	return nil
}

// FormatLevel writes a level in percent as a number, without float noise
// or trailing zeros: 98, 99.8, 97.5.
func FormatLevel(percent float64) string {
	return strconv.FormatFloat(percent, 'f', -1, 64)
}

// WithLevels returns m with its units' own intervals at interval percent
// and its verdicts at flag percent (the publisher's levels, recorded with
// the release). The funnel's 95% and 99.8% lines and the bands they give
// do not change: they are the product's comparison, the same for every
// release.
func (m Method) WithLevels(interval, flag float64) (Method, error) {
	for _, l := range []struct {
		name    string
		percent float64
	}{{"interval level", interval}, {"flag level", flag}} {
		if err := CheckLevel(l.percent); err != nil {
			return Method{}, fmt.Errorf("%s: %w", l.name, err)
		}
	}
	m.Options.IntervalLevel, m.Options.FlagLevel = interval/100, flag/100
	return m, nil
}
