package site

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// term is one glossary entry: the words a page uses, in plain English.
// Pages link a term where it first appears as /glossary#ID.
type term struct {
	ID, Term, Plain string
	// Also names the term as the data and the API spell it, for readers
	// who meet it there.
	Also string
}

// glossary is every technical term the pages use, A–Z by Term. The
// technical words live here and in "how to read this", so the result
// pages can say things plainly and link to the detail.
var glossary = []term{
	{ID: "chance", Term: "Chance alone", Plain: "Even where every surgeon gives the same care, results differ from year to year and surgeon to surgeon, because patients differ in ways nobody can predict. \"Chance alone would give this less than 1 in 1,000 times\" means that if this surgeon's patients had had exactly the results expected, a result at least this far from expected would happen less than once in 1,000 such comparisons."},
	{ID: "deaths-counted", Term: "Deaths counted", Plain: "Which deaths a result counts: deaths in hospital after the operation, or deaths within 30 or 90 days of it wherever they happened. Each specialty's audit chooses, and every result says which.", Also: "outcome, e.g. in-hospital mortality, 90-day mortality"},
	{ID: "exact-test", Term: "Exact test", Plain: "For a result with fewer than one death expected, the lines of the funnel are not used. Instead we work out exactly how often chance alone would give at least as many deaths as there were. Less often than 1 time in 40 is some evidence that survival was lower than expected; less often than 1 time in 1,000 is strong evidence. Otherwise the result is \"too few to tell\".", Also: "p_high"},
	{ID: "expected-deaths", Term: "Expected deaths", Plain: "How many of these patients would have been expected to die, given their age, health and operation, had their care had average results. Each patient's risk comes from the audit's risk model; adding the risks up gives the expected deaths. Comparing deaths with expected deaths is fair to surgeons who take on harder cases.", Also: "expected"},
	{ID: "funnel-plot", Term: "Funnel plot", Plain: "The chart on each specialty page. Each dot is a surgeon or hospital: further right means more operations, higher means better survival. The shaded funnel shows how far chance alone can move a result: wide on the left, where numbers are small, narrow on the right."},
	{ID: "likely-range", Term: "Likely range", Plain: "The range where a result's true value plausibly lies, given how few or many operations it rests on. Few operations give a wide range. Statisticians call it a confidence interval: most publishers use 95% intervals, which contain the true value 95 times in 100, and some 98% intervals (98 times in 100), which are wider. Each table names the level it shows.", Also: "95% interval, ci_low, ci_high, survival_low, survival_high"},
	{ID: "limits", Term: "Limits (95% and 99.8%)", Plain: "The lines of the funnel plot: how far from the national average chance alone moves a result with this many operations. Chance alone puts about 1 result in 40 beyond each 95% line (some evidence of a difference) and about 1 in 1,000 beyond each 99.8% line (strong evidence). Below one expected death no lines are drawn: see exact test.", Also: "lower_95, upper_95, lower_998, upper_998"},
	{ID: "national-average", Term: "National average", Plain: "The survival of all patients in the audit having this operation in this period: the line across every chart. A surgeon \"as expected\" is one whose results are within what chance alone gives around it, once their patients' risks are allowed for.", Also: "target"},
	{ID: "not-assessable", Term: "Not assessable", Plain: "Some publishers do not give the figures this site needs to compare a result with expected. Some give a risk-adjusted death rate but not the number of deaths expected: where there were deaths, the expected number can be worked out from that rate; where there were none, it cannot, since any expected number gives a rate of 0. Others give only their own rate, its likely range and their own rating, with no numbers of deaths at all. Such a result is shown as the publisher published it (its rate and rating are the publisher's, not this site's), but it is not compared with expected, not placed on the chart and given no judgement of ours: that says nothing about the surgeon or hospital, only about the figures published.", Also: "band not_assessable, verdict not_assessed; a release of the publisher's figures only has comparison published"},
	{ID: "operations-weighted", Term: "Operations, weighted by patient risk", Plain: "The funnel plot's across axis. Operations are counted so that a patient at higher risk counts for more than one at average risk, so a surgeon who operates on sicker patients sits further right than their number of operations: the chart compares like with like. For a surgeon whose patients have average risk it is their number of operations.", Also: "risk-adjusted operations, funnel_x (expected deaths ÷ national death rate)"},
	{ID: "overdispersion", Term: "Overdispersion", Plain: "When surgeons or hospitals differ more than chance alone predicts: because of differences between patients that the risk model misses, in how data were recorded, or in care. It is measured by φ (phi): 1 is what chance alone gives, 2 is twice that spread. Where it is clearly above 1, the specialty page says which results stay outside wider limits that allow for it.", Also: "phi, phi_p_value, tau2"},
	{ID: "period", Term: "Period", Plain: "The dates of the operations a result counts, often three years together so that there are enough operations to say something."},
	{ID: "registration-number", Term: "Registration number", Plain: "The surgeon's number on the medical register (the General Medical Council's in the UK): it stays the same when a surgeon moves hospital, so results can be followed.", Also: "unit_id"},
	{ID: "risk-adjusted-survival", Term: "Risk-adjusted survival", Plain: "The survival a surgeon's or hospital's results would give if their patients had been as ill, on average, as patients nationally. It puts everyone on one scale, beside the national average. It is worked out as 100% minus deaths ÷ expected deaths × the national death rate, so it is not simply how many of their own patients survived.", Also: "survival, ramr (its complement)"},
	{ID: "too-few", Term: "Too few to tell", Plain: "Fewer than one death was expected, and the deaths there were are within what chance alone often gives at such small numbers. Such a result is checked for a large excess of deaths (see exact test); otherwise it cannot show whether survival differed, so no survival figure is given for it.", Also: "band too_few"},
}

// HandleGlossary answers GET /glossary: every technical term in plain
// words, each with an anchor the pages link to.
func (s *Site) HandleGlossary(c echo.Context) error {
	return s.render(c, http.StatusOK, "glossary", page{Title: "Glossary", Section: "methodology", Data: glossary})
}

// HandleChoosing answers GET /choosing: whether these figures can help a
// patient choose a surgeon, and what else to ask.
func (s *Site) HandleChoosing(c echo.Context) error {
	return s.render(c, http.StatusOK, "choosing", page{Title: "Can these figures help me choose a surgeon?",
		Section: "methodology"})
}
