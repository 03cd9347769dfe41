package site

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// falseDiscoveryRate is the false-discovery rate at which the specialty
// page says a result still stands out once the number compared is allowed
// for (README § Second figures): Jones, Ohlssen & Spiegelhalter's 5%.
const falseDiscoveryRate = 0.05

// maxFalseDiscoveryListed is the most results the false-discovery view
// lists: a national funnel flags thousands, and the page stays small; the
// API's q_value has them all.
const maxFalseDiscoveryListed = 50

// falseDiscovery is the specialty page's false-discovery view: the
// funnel's results flagged for more deaths, or standing out for more
// deaths once the number compared is allowed for (q ≤ 5%), with both
// judgements side by side, most convincing first.
type falseDiscovery struct {
	// Sentence says how many stand out, beside the page's "about N would
	// by chance alone"; "" where the funnel has no q-values.
	Sentence string
	Rows     []catalog.Row
	// More counts the results left out of Rows.
	More int
}

// falseDiscoveries makes the view from a funnel's rows.
func falseDiscoveries(rows []catalog.Row, noun string) falseDiscovery {
	var fd falseDiscovery
	tested, standOut := 0, 0
	for _, u := range rows {
		if !finite(u.QValue) {
			continue
		}
		tested++
		w, _ := outcome.Words(u.Band)
		high := w.Direction == outcome.SurvivalLower // flagged for more deaths
		if standsOut(u) {
			standOut++
		}
		if high || standsOut(u) {
			fd.Rows = append(fd.Rows, u)
		}
	}
	if tested == 0 {
		return fd
	}
	slices.SortStableFunc(fd.Rows, func(a, b catalog.Row) int {
		return cmp.Or(cmp.Compare(a.QValue, b.QValue), cmp.Compare(a.PHigh, b.PHigh))
	})
	if len(fd.Rows) > maxFalseDiscoveryListed {
		fd.More = len(fd.Rows) - maxFalseDiscoveryListed
		fd.Rows = fd.Rows[:maxFalseDiscoveryListed]
	}
	switch standOut {
	case 0:
		fd.Sentence = fmt.Sprintf("Allowing for the number of %s compared, none stands out for more deaths than expected.", noun)
	case 1:
		fd.Sentence = fmt.Sprintf("Allowing for the number of %s compared, 1 stands out for more deaths than expected.", noun)
	default:
		fd.Sentence = fmt.Sprintf("Allowing for the number of %s compared, %s stand out for more deaths than expected.", noun, thousands(standOut))
	}
	return fd
}

// standsOut says whether a result stands out for more deaths once the
// number compared is allowed for.
func standsOut(u catalog.Row) bool { return u.QValue <= falseDiscoveryRate }

// rankabilityWords says how much of the spread between a funnel's units is
// real rather than chance (van Dishoeck's rankability, README § Second
// figures), and what that means for any ranking of them; "" for a funnel
// without it (crude data, or nothing to fit).
func rankabilityWords(f *outcome.Funnel, noun string) string {
	if f.ShrinkFit == stats.FitNoVariation {
		return fmt.Sprintf("The %s here differ no more than chance alone would make them: any ranking of them would rank chance.", noun)
	}
	rho := f.Rankability
	if f.ShrinkFit != stats.FitInterior || !finite(rho) {
		return ""
	}
	share := wholePercent(rho)
	switch stats.GradeRankability(rho) {
	case stats.RankPoor:
		return fmt.Sprintf("How much of the spread between %s is real rather than chance: %s (poor). Any ranking of them would mostly rank chance.", noun, share)
	case stats.RankModerate:
		return fmt.Sprintf("How much of the spread between %s is real rather than chance: %s (moderate). A ranking of them would be partly chance.", noun, share)
	}
	return fmt.Sprintf("How much of the spread between %s is real rather than chance: %s (good), though not for %s with few operations.", noun, share, noun)
}
