package site

import (
	"fmt"
	"strconv"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// dispersionNote is what a specialty page says about overdispersion
// (STATS.md §5, §8.5): always, not only when the adjusted lines are shown,
// because a reader of the flags needs to know whether the units vary more
// than chance alone predicts, and if so which flags survive allowing for it.
type dispersionNote struct {
	Text string
	// StillOutside are the units outside the 95% limits that stay outside
	// the limits widened for overdispersion, when the spread is
	// significant.
	StillOutside []catalog.Row
}

// dispersionSignificance is the level at which φ's χ² test counts as
// evidence of extra spread.
const dispersionSignificance = 0.05

// noteDispersion writes the note for a funnel's rows; noun is "surgeons"
// or "hospitals".
func noteDispersion(f *catalog.Funnel, rows []catalog.Row, noun string) dispersionNote {
	if !finite(f.Phi) {
		return dispersionNote{Text: fmt.Sprintf("Whether these %s vary more than chance alone predicts is not measured: "+
			"that needs at least two %s with %d or more expected deaths, and this chart has %d.",
			noun, noun, stats.MinDispersionSize, f.PhiUnits)}
	}
	measure := fmt.Sprintf("(overdispersion φ = %s, p = %s)", decimal2(f.Phi), pValue(f.PhiPValue))
	if !(f.Phi > 1 && f.PhiPValue < dispersionSignificance) {
		return dispersionNote{Text: fmt.Sprintf("These %s vary about as much as chance alone predicts %s, so the limits need no widening.",
			noun, measure)}
	}
	od := stats.Overdispersion{Scale: f.Scale, Target: f.Target, Phi: f.Phi, Tau2: f.Tau2}
	var outside int
	var still []catalog.Row
	for _, r := range rows {
		if !outcome.Outside95(r.Band) {
			continue
		}
		outside++
		size := r.Expected
		if f.Scale == stats.ScaleProportion {
			size = float64(r.Cases)
		}
		l, ok := od.Adjust(stats.AdjustMultiplicative, size, stats.Limits{Lower95: r.Lower95, Upper95: r.Upper95,
			Lower998: r.Lower998, Upper998: r.Upper998})
		if !ok || stats.BandOf(r.FunnelY, l.Lower95, l.Upper95, l.Lower998, l.Upper998) != outcome.Within {
			still = append(still, r)
		}
	}
	text := fmt.Sprintf("These %s vary more than chance alone predicts %s: perhaps because of differences between "+
		"patients that the risk model misses, in how data were recorded, or in care. ", noun, measure)
	switch {
	case outside == 0:
		text += fmt.Sprintf("None of the %s lies outside the 95%% limits.", noun)
	case len(still) == 0:
		text += fmt.Sprintf("Allowing for that extra spread, none of the %s outside the 95%% limits would still be outside them.",
			plural(outside, singular(noun)))
	default:
		text += fmt.Sprintf("Allowing for that extra spread, %d of the %s outside the 95%% limits would still be outside them:",
			len(still), plural(outside, singular(noun)))
	}
	return dispersionNote{Text: text, StillOutside: still}
}

// singular is "surgeon" for "surgeons".
func singular(noun string) string { return noun[:len(noun)-1] }

// decimal2 writes a figure with two decimals, or a dash.
func decimal2(x float64) string {
	if !finite(x) {
		return "–"
	}
	return fmt.Sprintf("%.2f", x)
}

// pValue writes a p-value as a reader compares it with 0.05: two
// significant figures, "< 0.001" below that.
func pValue(p float64) string {
	switch {
	case !finite(p):
		return "–"
	case p < 0.001:
		return "< 0.001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}
