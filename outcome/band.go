package outcome

import (
	"slices"

	"github.com/surgeon-outcomes/outcomes/stats"
)

// Band is a unit's position on its funnel. The codes are the statistics'
// (STATS.md §6.1, §8.3), in mortality orientation: a high band is more
// deaths than expected, that is survival lower than expected. Every word a
// person reads about a band comes from [Words], in survival orientation.
type Band = stats.Band

// The bands, in order of concern: [Bands] lists them so.
const (
	HighAlarm = stats.BandHighAlarm
	HighAlert = stats.BandHighAlert
	Within    = stats.BandWithin
	LowAlert  = stats.BandLowAlert
	LowAlarm  = stats.BandLowAlarm
	TooFew    = stats.BandTooFew
	// NotAssessable is a unit whose expected deaths are not known, so it
	// cannot be compared at all: the publisher gave a risk-adjusted rate
	// but no expected deaths, and with no deaths the expected number
	// cannot be worked out from it (Row.NotAssessable). It is never a
	// result of the statistics, never on a funnel, never judged.
	NotAssessable Band = "not_assessable"
)

// NotAssessed is the verdict of a [NotAssessable] unit: there was nothing
// to compare.
const NotAssessed Verdict = "not_assessed"

// Direction is which way a band says survival differed from expected.
type Direction int

// The directions.
const (
	// NoDifference: within the limits, or too few to tell.
	NoDifference Direction = iota
	// SurvivalLower: more deaths than expected (a high band).
	SurvivalLower
	// SurvivalHigher: fewer deaths than expected (a low band).
	SurvivalHigher
)

// BandWords is everything said about one band, each in one place so that
// the API, the pages and the charts never say two things. Every text speaks
// of survival, the figure people read, never of "higher" or "lower" alone.
type BandWords struct {
	Band Band
	// Order ranks the bands by concern, 0 first: survival lower (strong,
	// some evidence), as expected, survival higher (some, strong), too few.
	Order     int
	Direction Direction
	// Strong marks the 99.8% bands.
	Strong bool
	// Label is the band's short name, for tables, the API's label and
	// search results: "Survival lower than expected (strong evidence)".
	Label string
	// Sentence is the verdict a patient reads, without a final full stop.
	Sentence string
	// Meaning says what the band means and what it does not, for a patient
	// and for the API's band list.
	Meaning string
	// Legend is the chart key's wording; LegendShort the compact key's.
	// Both name survival, as everything a person reads does.
	Legend, LegendShort string
	// Summary is the band inside a point's one-line description: lower
	// case, naming the limit crossed.
	Summary string
}

// Chance words: how often chance alone puts a unit beyond a limit on one
// side, the side a band names: beyond the 95% line about 1 time in 40,
// beyond the 99.8% line about 1 in 1,000 ("about": the lines of a
// discrete count are crossed a little more or less often than that). A
// unit's own chance is said by the site from its p-value.
const (
	chance95  = "about 1 time in 40"
	chance998 = "about 1 time in 1,000"
)

// bandWords is the table: one row a band, in order of concern.
var bandWords = [...]BandWords{
	{Band: HighAlarm, Direction: SurvivalLower, Strong: true,
		Label:       "Survival lower than expected (strong evidence)",
		Sentence:    "Strong evidence that survival was lower than expected",
		Meaning:     "Survival was below the 99.8% limit, which chance alone crosses " + chance998 + ". It is a signal to look into, not a verdict: the hospital and the national audit review such results, starting with the data and the mix of patients.",
		Legend:      "Survival much lower than expected (beyond 99.8%)",
		LegendShort: "Much lower survival (99.8%)",
		Summary:     "survival much lower than expected (below the 99.8% limit)"},
	{Band: HighAlert, Direction: SurvivalLower,
		Label:       "Survival lower than expected (some evidence)",
		Sentence:    "Some evidence that survival was lower than expected",
		Meaning:     "Survival was below the 95% limit, which chance alone crosses " + chance95 + ": among many surgeons, a few land here by chance alone.",
		Legend:      "Survival lower than expected (beyond 95%)",
		LegendShort: "Lower survival (95%)",
		Summary:     "survival lower than expected (below the 95% limit)"},
	{Band: Within, Direction: NoDifference,
		Label:       "Survival as expected",
		Sentence:    "No evidence that survival differed from what was expected",
		Meaning:     "Survival was within the range expected by chance for this number of operations. This does not prove that outcomes are the same as everyone else's: with few operations, only large differences can be seen.",
		Legend:      "As expected",
		LegendShort: "As expected",
		Summary:     "survival as expected (within the 95% limits)"},
	{Band: LowAlert, Direction: SurvivalHigher,
		Label:       "Survival higher than expected (some evidence)",
		Sentence:    "Some evidence that survival was higher than expected",
		Meaning:     "Survival was above the 95% limit, which chance alone crosses " + chance95 + ".",
		Legend:      "Survival higher than expected (beyond 95%)",
		LegendShort: "Higher survival (95%)",
		Summary:     "survival higher than expected (above the 95% limit)"},
	{Band: LowAlarm, Direction: SurvivalHigher, Strong: true,
		Label:       "Survival higher than expected (strong evidence)",
		Sentence:    "Strong evidence that survival was higher than expected",
		Meaning:     "Survival was above the 99.8% limit, which chance alone crosses " + chance998 + ".",
		Legend:      "Survival much higher than expected (beyond 99.8%)",
		LegendShort: "Much higher survival (99.8%)",
		Summary:     "survival much higher than expected (above the 99.8% limit)"},
	// TooFew is only ever a unit below one expected death that the exact
	// test did not flag (STATS.md §8.3): its words must not belittle the
	// deaths there were, which may be several, nor claim no signal was
	// looked for.
	{Band: TooFew, Direction: NoDifference,
		Label:       "Too few to tell",
		Sentence:    "Too few operations to tell whether survival differed from expected",
		Meaning:     "Fewer than one death was expected for this number and mix of operations. The deaths there were are within what chance alone often gives at such small numbers, so these figures cannot show whether survival differed from expected. They were checked for a large excess of deaths, and there was none.",
		Legend:      "Too few operations to tell",
		LegendShort: "Too few to tell",
		Summary:     "too few operations to tell"},
	// NotAssessable is the publisher's data, not chance: its words say why
	// no comparison is made, without suggesting anything about survival.
	{Band: NotAssessable, Direction: NoDifference,
		Label:       "Not assessable from the published figures",
		Sentence:    "Survival cannot be compared with expected from the figures published",
		Meaning:     "The figures published do not allow this result to be compared with expected: the publisher gave no expected deaths, and none could be worked out from what it gave (a risk-adjusted rate with no deaths, or its own rate and rating with no deaths at all). What it published is shown as published, but this site does not compare the result with expected or place it on the chart.",
		Legend:      "Not assessable",
		LegendShort: "Not assessable",
		Summary:     "not assessable from the published figures"},
}

// Verdict is a unit's comparison with the target under the release's rule
// (stats.Verdict): its codes are in mortality orientation, "higher" being
// more deaths than expected.
type Verdict = stats.Verdict

// VerdictLabel says a verdict in words that name what differed: deaths,
// and so survival.
func VerdictLabel(v Verdict) string {
	switch v {
	case stats.VerdictHigher:
		return "More deaths than expected (survival lower)"
	case stats.VerdictLower:
		return "Fewer deaths than expected (survival higher)"
	case stats.VerdictNotDifferent:
		return "No difference from expected shown"
	}
	return "Not assessed"
}

// Bands lists every band's words in order of concern.
func Bands() []BandWords {
	bs := bandWords
	for i := range bs {
		bs[i].Order = i
	}
	return bs[:]
}

// Words returns a band's words, and false for a code that is not a band.
func Words(b Band) (BandWords, bool) {
	i := slices.IndexFunc(bandWords[:], func(w BandWords) bool { return w.Band == b })
	if i < 0 {
		return BandWords{Band: b, Order: len(bandWords), Label: "Not assessed", Sentence: "Not assessed",
			Legend: "Not assessed", LegendShort: "Not assessed", Summary: "not assessed"}, false
	}
	w := bandWords[i]
	w.Order = i
	return w, true
}

// ParseBand returns the band with code s.
func ParseBand(s string) (Band, bool) {
	_, ok := Words(Band(s))
	return Band(s), ok
}

// Placed reports whether a unit with band b has a place on its funnel, as
// every unit has but a [NotAssessable] one: charts and the API's points
// leave those out rather than draw them anywhere.
func Placed(b Band) bool { return b != NotAssessable }

// Assessed reports whether a band is a comparison's result, as every band
// but [TooFew] and [NotAssessable] is.
func Assessed(b Band) bool { return b != TooFew && b != NotAssessable }

// Outside95 reports whether a band places a unit outside its funnel's 95%
// limits, on either side: a judged band ([Assessed]) that names a
// difference (its Direction), as the funnel's Outside95 counts them. Pages
// that list "what needs attention" ask this, never a list of band codes.
func Outside95(b Band) bool {
	w, _ := Words(b)
	return Assessed(b) && w.Direction != NoDifference
}
