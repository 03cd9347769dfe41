package site

import (
	"cmp"
	"html/template"
	"strings"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// unitRows says how unitTableBody writes a table's rows: what a unit's
// name links to, which columns follow the figures, which rows are marked.
type unitRows struct {
	// Link gives the page a unit's name links to; nil writes the name
	// alone (a self-check's units have no page).
	Link func(u *catalog.Row) string
	// Hospital adds a surgeon's main hospital, last.
	Hospital bool
	// Funnel adds the funnel each unit sits on, last: for a table of
	// units from several funnels (the self-check's).
	Funnel bool
	// Highlight marks rows by unit id.
	Highlight map[string]bool
}

// unitTableBody writes the rows of a table of units. A 500-row table
// through html/template costs some 10 ms in reflection, so the rows are
// written here, every text escaped with template.HTMLEscapeString; the
// table's head, caption and surroundings stay in the template ("unittable").
//
// The verdict comes second, beside the name, so that on a phone it is in
// view with the name while the figures, then the hospital, scroll sideways. A unit that is not
// judged (outcome.Assessed) has a dash for its survival: its percentage
// would mean nothing, and a column of "100.0%" invites a ranking. A name
// alone in its cell needs no <bdi> (a cell is its own paragraph to the
// bidirectional algorithm); one followed by " and others" is isolated, so
// a right-to-left name cannot reorder those words.
func unitTableBody(rows []catalog.Row, how unitRows) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 240)
	esc := template.HTMLEscapeString
	for i := range rows {
		u := &rows[i]
		b.WriteString("<tr")
		if how.Highlight[u.UnitID] {
			b.WriteString(` class="highlight"`)
		}
		b.WriteString(`><th scope="row">`)
		if how.Link != nil {
			b.WriteString(`<a href="`)
			b.WriteString(esc(how.Link(u)))
			b.WriteString(`">`)
			b.WriteString(esc(u.UnitName))
			b.WriteString("</a>")
		} else {
			b.WriteString(esc(u.UnitName))
		}
		b.WriteString(`<td class="b b-`)
		b.WriteString(esc(string(u.Band)))
		b.WriteString(`">`)
		b.WriteString(esc(bandShort(u.Band)))
		// Written unescaped: digits, separators and dashes, or notGiven.
		for _, cell := range []template.HTML{casesOf(*u), deathsOf(*u), template.HTML(decimal(u.Expected))} {
			b.WriteString("<td>")
			b.WriteString(string(cell))
		}
		b.WriteString("<td>")
		if outcome.Assessed(u.Band) {
			b.WriteString(esc(percent(u.Survival) + " (" + percent(u.SurvivalLow) + "–" + percent(u.SurvivalHigh) + ")"))
		} else {
			b.WriteString(notGiven)
		}
		if how.Hospital {
			b.WriteString("<td>")
			if u.HospitalCount > 1 {
				b.WriteString("<bdi>")
				b.WriteString(esc(u.HospitalName))
				b.WriteString("</bdi> and others")
			} else {
				b.WriteString(esc(u.HospitalName))
			}
		}
		if how.Funnel {
			b.WriteString("<td>")
			b.WriteString(esc(funnelTitle(u.Specialty, u.Procedure, u.Period, u.UnitType)))
		}
		b.WriteString("\n")
	}
	return template.HTML(b.String())
}

// publishedTableBody writes the rows of a table of units of the
// publisher's figures only (catalog.Row.PublishedOnly), escaped as
// unitTableBody's: the publisher's comparison beside the name, then its
// volume, its rate and its interval, as printed. Nothing of ours is in it,
// since nothing was computed.
func publishedTableBody(rows []catalog.Row, how unitRows) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 200)
	esc := template.HTMLEscapeString
	cell := func(s string) {
		b.WriteString("<td>")
		if s == "" {
			b.WriteString(notGiven)
			return
		}
		b.WriteString(esc(s))
	}
	for i := range rows {
		u := &rows[i]
		b.WriteString(`<tr><th scope="row"><a href="`)
		b.WriteString(esc(how.Link(u)))
		b.WriteString(`">`)
		b.WriteString(esc(u.UnitName))
		b.WriteString("</a>")
		cell(u.PublishedRating)
		b.WriteString("<td>")
		b.WriteString(string(casesOf(*u)))
		cell(publishedPercent(u.PublishedRate))
		cell(publishedRange(*u))
		if how.Hospital {
			cell(u.HospitalName)
		}
		b.WriteString("\n")
	}
	return template.HTML(b.String())
}

// notGiven is the survival cell of a unit that is not judged, as the
// template "survival" writes it: a dash, and words for a screen reader.
const notGiven = `—<span class="vh"> not given</span>`

// judgedFirst orders units that are judged before those that are not
// (outcome.Assessed), for tables and the funnel's focus order alike: a
// unit too small to judge is listed after the others, never ranked among
// them.
func judgedFirst(a, b outcome.Band) int {
	rank := func(x outcome.Band) int {
		if outcome.Assessed(x) {
			return 0
		}
		return 1
	}
	return cmp.Compare(rank(a), rank(b))
}

// splitJudged splits rows, keeping their order, into the units judged and
// those too small to judge.
func splitJudged(rows []catalog.Row) (judged, unjudged []catalog.Row) {
	n := 0
	for i := range rows {
		if outcome.Assessed(rows[i].Band) {
			n++
		}
	}
	judged, unjudged = make([]catalog.Row, 0, n), make([]catalog.Row, 0, len(rows)-n)
	for _, u := range rows {
		if outcome.Assessed(u.Band) {
			judged = append(judged, u)
		} else {
			unjudged = append(unjudged, u)
		}
	}
	return judged, unjudged
}

// pickerOptions writes the highlight picker's options, escaped as above.
func pickerOptions(opts []option) template.HTML {
	var b strings.Builder
	b.Grow(len(opts) * 60)
	for _, o := range opts {
		b.WriteString(`<option value="`)
		b.WriteString(template.HTMLEscapeString(o.Value))
		b.WriteString(`"`)
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		b.WriteString(template.HTMLEscapeString(o.Label))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}
