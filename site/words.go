package site

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
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

// frequency is the "of 100 patients like these" sentence: how many of
// this unit's patients survived, beside how many would be expected to
// with the national rate for their case mix. When fewer than one in 100
// die, it counts out of 1,000, or the two numbers would both read 99.
// A unit that is not judged gets none: "about 1,000 survived" is a
// survival figure in words, and would invite the ranking its band refuses.
func frequency(u *catalog.Row) string {
	if u.Cases == 0 || !outcome.Assessed(u.Band) {
		return ""
	}
	observed := 1 - float64(u.Events)/float64(u.Cases)
	expected := math.NaN()
	if finite(u.Expected) {
		expected = 1 - u.Expected/float64(u.Cases)
	} else if finite(u.Target) {
		expected = 1 - u.Target
	}
	per := 100.0
	if !math.IsNaN(expected) && expected > 0.99 || observed > 0.99 {
		per = 1000
	}
	s := fmt.Sprintf("Of %s patients like these, about %s survived", thousands(int(per)), roundCount(observed*per))
	if !math.IsNaN(expected) {
		s += fmt.Sprintf("; about %s would be expected to", roundCount(expected*per))
	}
	return s + "."
}

func roundCount(x float64) string { return thousands(int(math.Round(x))) }

// detectable is the note on what these numbers could reveal: the death
// rate would have to exceed the detectable ratio times the expected before
// it crossed the 95% limit. Said only where it matters: small numbers.
func detectable(u *catalog.Row) string {
	r := u.DetectableRatio
	if w, _ := outcome.Words(u.Band); !finite(r) || r < 1.5 || w.Direction == outcome.SurvivalLower {
		return ""
	}
	return fmt.Sprintf("With %s operations, these figures could only show a difference if deaths were more than %s times what was expected; smaller differences cannot be told apart from chance.",
		thousands(u.Cases), strconv.FormatFloat(r, 'f', 1, 64))
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

// plural writes a count and a noun, with an s when the count is not one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}
