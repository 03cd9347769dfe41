package site

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/surgeon-outcomes/outcomes/catalog"
)

// unitTableBody writes the rows of a funnel's A–Z table. A 500-row table
// through html/template costs some 10 ms in reflection, so the rows are
// written here, every text escaped with template.HTMLEscapeString; the
// table's head, caption and surroundings stay in the template.
func unitTableBody(rows []catalog.Row, withHospital bool, highlight map[string]bool) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 240)
	esc := template.HTMLEscapeString
	for i := range rows {
		u := &rows[i]
		b.WriteString("<tr")
		if highlight[u.UnitID] {
			b.WriteString(` class="highlight"`)
		}
		b.WriteString(`><th scope="row"><a href="/`)
		b.WriteString(esc(string(u.UnitType)))
		b.WriteString("s/")
		b.WriteString(esc(url.PathEscape(u.UnitID)))
		b.WriteString(`">`)
		b.WriteString(esc(u.UnitName))
		b.WriteString("</a>")
		if withHospital {
			b.WriteString("<td>")
			b.WriteString(esc(u.HospitalName))
			if u.HospitalCount > 1 {
				b.WriteString(" and others")
			}
		}
		for _, cell := range []string{thousands(u.Cases), thousands(u.Events), decimal(u.Expected),
			percent(u.Survival) + " (" + percent(u.SurvivalLow) + "–" + percent(u.SurvivalHigh) + ")"} {
			b.WriteString("<td>")
			b.WriteString(esc(cell))
		}
		b.WriteString(`<td class="b b-`)
		b.WriteString(esc(string(u.Band)))
		b.WriteString(`">`)
		b.WriteString(esc(bandShort(u.Band)))
		b.WriteString("\n")
	}
	return template.HTML(b.String())
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
