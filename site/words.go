package site

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
	"github.com/surgeon-outcomes/outcomes/store"
)

// The site's words for the figures. They follow the Children's Heart
// Surgery site's standard (PRODUCT.md): graded evidence, never "good" or
// "bad", never a rank; frequencies out of 100 rather than percentages where
// a patient reads them; and what the data cannot say, said plainly.

// bandWords is a band's verdict sentence, bandShort its label and
// bandExplain what it means and does not: outcome.BandWords, the one
// table of the bands' words.
func bandWords(b outcome.Band) string {
	w, _ := outcome.Words(b)
	return w.Sentence
}

func bandShort(b outcome.Band) string {
	w, _ := outcome.Words(b)
	return w.Label
}

func bandExplain(b outcome.Band) string {
	w, _ := outcome.Words(b)
	return w.Meaning
}

// percent writes a 0–1 rate as a percentage with one decimal.
func percent(x float64) string {
	if !finite(x) {
		return "–"
	}
	return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
}

// decimal writes a figure with one decimal, or a dash.
func decimal(x float64) string {
	if !finite(x) {
		return "–"
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// casesOf is a unit's operations as a page writes them, or a dash where
// the publisher gave none (catalog.Row.HasCases).
func casesOf(u catalog.Row) template.HTML {
	if !u.HasCases() {
		return notGiven
	}
	return template.HTML(thousands(u.Cases))
}

// deathsOf is a unit's deaths as a page writes them, or a dash for a unit
// of the publisher's figures only, which gives none (never "0", which
// would say no one died).
func deathsOf(u catalog.Row) template.HTML {
	if !u.HasEvents() {
		return notGiven
	}
	return template.HTML(thousands(u.Events))
}

// publishedPercent writes one of the publisher's own figures, a rate per
// 100, as the percentage it printed ("2.95%"), with no rounding of ours;
// "" where it printed none.
func publishedPercent(x float64) string {
	if !finite(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64) + "%"
}

// publishedRange writes the publisher's interval, "2.2% to 4.4%", or ""
// where it printed none.
func publishedRange(u catalog.Row) string {
	if !finite(u.PublishedLow) || !finite(u.PublishedHigh) {
		return ""
	}
	return publishedPercent(u.PublishedLow) + " to " + publishedPercent(u.PublishedHigh)
}

// thousands writes a count with thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// counts is the unit's deaths beside the deaths expected for its own
// patients. It is in deaths on purpose: the one survival figure a page
// shows is risk-adjusted survival beside the national average, and a
// second, "of 100 patients like these", on the unit's own case mix would
// be a different number under the same name. A unit that is not judged
// gets none: its figures show these counts already, with the reason.
func counts(u *catalog.Row) string {
	if u.Cases == 0 || !outcome.Assessed(u.Band) {
		return ""
	}
	died := "patients died"
	if u.Events == 1 {
		died = "patient died"
	}
	s := fmt.Sprintf("Of %s, %s %s", plural(u.Cases, "operation"), thousands(u.Events), died)
	switch e := expectedDeaths(u); {
	case !finite(e):
	case finite(u.Expected):
		s += fmt.Sprintf("; about %s would be expected for patients like these", deathCount(e))
	default:
		s += fmt.Sprintf("; about %s would be expected at the national rate", deathCount(e))
	}
	return s + "."
}

// expectedDeaths is a unit's expected deaths: its case-mix expected count,
// or for crude data its operations at the national rate.
func expectedDeaths(u *catalog.Row) float64 {
	if finite(u.Expected) {
		return u.Expected
	}
	return float64(u.Cases) * u.Target
}

// deathCount writes an expected number of deaths: one decimal below 10,
// where the decimal matters, whole numbers above.
func deathCount(e float64) string {
	if e < 10 {
		return plural1(e, "death")
	}
	return plural(int(math.Round(e)), "death")
}

// plural1 is plural for a figure written with one decimal.
func plural1(x float64, noun string) string {
	if decimal(x) == "1.0" {
		return "1.0 " + noun
	}
	return decimal(x) + " " + noun + "s"
}

// chance is a flagged unit's own chance, one figure: how rarely chance
// alone gives deaths this far from expected, on the side the band names.
func chance(u *catalog.Row) string {
	w, _ := outcome.Words(u.Band)
	switch w.Direction {
	case outcome.SurvivalLower:
		if c := chanceWords(u.PHigh); c != "" {
			return fmt.Sprintf("Chance alone would give %s or more %s times.", plural(u.Events, "death"), c)
		}
	case outcome.SurvivalHigher:
		if c := chanceWords(u.PLow); c != "" {
			return fmt.Sprintf("Chance alone would give as few as %s %s times.", plural(u.Events, "death"), c)
		}
	}
	return ""
}

// chanceLadder is the "1 in N" figures chanceWords rounds down to, so
// that "less than 1 in N" is always true and reads as a round number.
var chanceLadder = [...]int{10, 20, 40, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000,
	100_000, 1_000_000}

// chanceWords says one unit's chance as a patient reads it: how often
// chance alone would give a result at least this far from expected, on the
// side it lies, p being the exact one-sided p-value (PHigh for more
// deaths, PLow for fewer). It is "less than 1 in N", N the largest round
// figure with p < 1/N, so that the words never overstate the evidence, and
// "" when p is not below 1 in 10 (nothing worth a figure) or not a
// number. Below 1 in a million it stays "less than 1 in 1,000,000": the
// model behind a smaller figure is not that exact.
func chanceWords(p float64) string {
	if !(p >= 0) || p >= 0.1 {
		return ""
	}
	n := chanceLadder[0]
	for _, m := range chanceLadder {
		if p < 1/float64(m) {
			n = m
		}
	}
	return "less than 1 in " + thousands(n)
}

// detectable is the note on what these numbers could reveal, said only
// where it matters: a unit not already flagged for more deaths, whose
// size leaves a real problem likely to go unseen. Below one expected death
// it first gives the exact test's boundary in deaths (the line is (k*−1)
// deaths over the expected, so k* deaths would have been a signal). Then,
// from stats' power of the funnel's own 95% rule (README § Second
// figures), how often a unit whose true death rate was twice the expected
// would have been noticed, and how large it would have to be to be
// noticed four times in five: said where that chance is under 4 in 5.
func detectable(u *catalog.Row) string {
	if w, _ := outcome.Words(u.Band); w.Direction == outcome.SurvivalLower {
		return ""
	}
	var parts []string
	if e := expectedDeaths(u); stats.Small(e) && e > 0 && finite(u.DetectableRatio) {
		signal := int(math.Round(u.DetectableRatio*e)) + 1
		parts = append(parts, fmt.Sprintf("With about %s expected, only %s or more would have been a signal; there %s %s.",
			plural1(e, "death"), plural(signal, "death"), map[bool]string{true: "was", false: "were"}[u.Events == 1],
			thousands(u.Events)))
	}
	if p := u.Power2x; finite(p) && p < noticedEnough {
		s := fmt.Sprintf("a %s whose death rate was twice the expected would be noticed %s", u.UnitType, timesIn(p))
		if len(parts) == 0 {
			s = fmt.Sprintf("With %s operations, %s", thousands(u.Cases), s)
		} else {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		if r := u.DetectableRatio80; finite(r) {
			s += fmt.Sprintf("; to be noticed 4 times in 5, it would have to be %s times the expected", strconv.FormatFloat(r, 'f', 1, 64))
		}
		parts = append(parts, s+".")
	}
	return strings.Join(parts, " ")
}

// noticedEnough is the power at which the note on what a unit's numbers
// could reveal is no longer said: the 80% of a study designed to see a
// difference.
const noticedEnough = 0.8

// timesIn says a chance as a patient reads it: "only about 1 time in 4"
// below a half (the nearest whole N, never claiming more than 1 in 100),
// "about 7 times in 10" above.
func timesIn(p float64) string {
	switch {
	case p < 0.01:
		return "less than 1 time in 100"
	case p < 0.05:
		return "less than 1 time in 20"
	case p < 0.5:
		return fmt.Sprintf("only about 1 time in %d", int(math.Round(1/p)))
	case p < 0.95:
		return fmt.Sprintf("about %d times in 10", int(math.Round(10*p)))
	}
	return "almost every time"
}

// secondEstimate says a unit's shrunk ratio (README § Second figures) as
// a second figure beside the published one, to follow "a second estimate,
// allowing for chance:": the best estimate of its death rate, its likely
// range, and how much of it rests on the unit's own operations. "" where
// there is none (crude data, a group that could not be fitted, a unit not
// assessed).
func secondEstimate(u *catalog.Row) string {
	r := u.ShrunkRatio
	if !finite(r) || !finite(u.Reliability) {
		return ""
	}
	if u.Reliability == 0 {
		return fmt.Sprintf("the %s here differ no more than chance alone would make them, so the best estimate for each is the expected death rate. The result above is the published one.",
			u.UnitType.Plural())
	}
	share := "Only " + wholePercent(u.Reliability)
	if u.Reliability < 0.005 {
		share = "Less than 1%"
	}
	return fmt.Sprintf("the best estimate of this %s's death rate is %s times the expected (likely between %s and %s times). %s of that estimate rests on its own %s operations; the rest on how all %s here compare. The result above is the published one.",
		u.UnitType, decimal2(r), decimal2(u.ShrunkLow), decimal2(u.ShrunkHigh), share,
		thousands(u.Cases), u.UnitType.Plural())
}

// wholePercent writes a 0–1 share as a whole percentage ("less than 1%"
// where it rounds to none).
func wholePercent(x float64) string {
	if x > 0 && x < 0.005 {
		return "less than 1%"
	}
	return strconv.Itoa(int(math.Round(100*x))) + "%"
}

// pointSummary is one unit's sentence on the funnel: its accessible name
// and tooltip. Kept short: a 500-surgeon chart carries 500 of them.
func pointSummary(u *catalog.Row) string {
	exp := ""
	if finite(u.Expected) {
		exp = fmt.Sprintf(" (%s expected)", decimal(u.Expected))
	}
	deaths := "deaths"
	if u.Events == 1 {
		deaths = "death"
	}
	return fmt.Sprintf("%s: %s operations, %s %s%s; survival %s; %s", u.UnitName, thousands(u.Cases),
		thousands(u.Events), deaths, exp, percent(u.Survival), strings.ToLower(bandShort(u.Band)))
}

// outcomeWords says which deaths an outcome counts: "in-hospital
// mortality" is "deaths in hospital after the operation", "90-day
// mortality" "deaths within 90 days of the operation". Other outcomes
// (publishers' own) are written as they are.
func outcomeWords(outcome string) string {
	if outcome == "in-hospital mortality" {
		return "deaths in hospital after the operation"
	}
	if days, ok := strings.CutSuffix(outcome, "-day mortality"); ok && days != "" && strings.Trim(days, "0123456789") == "" {
		return "deaths within " + days + " days of the operation"
	}
	return outcome
}

// months are the month names periodWords writes.
var months = [...]string{"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December"}

// periodWords writes a period code as a person says it: "2022-04/2025-03"
// is "April 2022 to March 2025", "2024-01" "January 2024", "2021/2023"
// "2021 to 2023". Codes of any other shape (publishers' own,
// outcome.ParsePeriod) are written as they are. The code itself stays in
// addresses, the API and the data.
func periodWords(code string) string {
	from, to, ok := outcome.ParsePeriod(code)
	if !ok {
		return code
	}
	if !strings.Contains(code, "/") {
		return periodEndWords(from)
	}
	return periodEndWords(from) + " to " + periodEndWords(to)
}

// periodEndWords writes one end of a period: "April 2022", or "2022".
func periodEndWords(e outcome.PeriodEnd) string {
	if e.Month == 0 {
		return strconv.Itoa(e.Year)
	}
	return months[e.Month-1] + " " + strconv.Itoa(e.Year)
}

// groupTitle names a comparison group for a heading: the specialty, and
// the procedure unless it is the specialty's "all".
func groupTitle(specialty, procedure string) string {
	name := specialty
	if sp, ok := outcome.LookupSpecialty(specialty); ok {
		name = sp.Name
	}
	if procedure == "all" || procedure == "" {
		return name
	}
	return name + ": " + procedureName(specialty, procedure)
}

// funnelTitle names one published funnel: its group (groupTitle), its
// period and the units it compares, "Adult cardiac surgery, April 2022 to
// March 2025, hospitals".
func funnelTitle(specialty, procedure, period string, t outcome.UnitType) string {
	return groupTitle(specialty, procedure) + ", " + periodWords(period) + ", " + t.Plural()
}

// plural writes a count and a noun, with an s when the count is not one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

// intervalName names a release's own intervals by their level, "95%
// interval" or "98% interval", as the tables' headings and the
// methodology say it: the level is the publisher's (store.Release), and
// a 98% interval is never called a 95% one. Without a release it is the
// default level's name.
func intervalName(rel *store.Release) string {
	level := outcome.DefaultLevel
	if rel != nil && rel.IntervalLevel != 0 {
		level = rel.IntervalLevel
	}
	return outcome.FormatLevel(level) + "% interval"
}
