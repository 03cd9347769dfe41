package site

import (
	"encoding/csv"
	"html/template"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// The self-check's team view: a hospital's units, however many, are
// grouped by the published funnel each sits on; each group is drawn once,
// all its units on one chart, and one table lists every unit. Drawn one
// chart per unit, a 1,000-unit CSV made a 52 MB page.

// maxDrawnFunnels bounds the charts one self-check page draws. Each is a
// whole published funnel, up to a few hundred points with a sentence each,
// and a CSV may spread its units over every funnel of a release; the
// groups past this are named, and their units are in the table.
const maxDrawnFunnels = 4

// maxDrawnBytes bounds the SVG one self-check page draws: once the charts
// drawn pass it, the groups left are named, not drawn. A chart of a
// national funnel, drawn dense (chart.DenseAbove), is some 470 KB, and one
// of 2,500 points up to some 650 KB: the page holds one such chart, and
// stays under 1 MB. The demo's charts are 23–71 KB: four are drawn.
const maxDrawnBytes = 400 << 10

// maxNamedUnits is the most units a self-check chart names beside their
// points. More names than this overlap into a blur at phone width, and
// placing each against all the others grows with their square (1,000
// named points took 100 ms a page): past it, each point's name is in its
// summary, shown on hover and focus, and in the table.
const maxNamedUnits = 40

// maxLabelRunes bounds a unit's label on the page, the chart and the
// download form. A label is there to tell the submitter's units apart; a
// 200-character name of quotes, escaped in each of those places, would
// otherwise make a 1,000-unit page several megabytes.
const maxLabelRunes = 40

// selfCheckGroup is the submitted units that sit on one published funnel.
type selfCheckGroup struct {
	Funnel *catalog.Funnel
	// Title names the funnel (funnelTitle).
	Title string
	// Rows are the group's placed units in the order submitted, each
	// UnitName its label (labelUnits).
	Rows []catalog.Row
	// Lone is the group's one unit, when it has one: the page says its
	// verdict and figures in full.
	Lone *catalog.Row
	// Tally counts the group's units by band, in the order of concern.
	Tally []bandTally
	// SVG is the funnel with the group's units on it (drawn groups only).
	SVG template.HTML
	// Units is the group's units as canonical CSV, for the download form
	// (unitsCSV).
	Units string
	// at is each row's place in the submission, from 0: the N of
	// "Unit N" and of its point's id.
	at []int
}

// bandTally is how many of a group's units are in one band.
type bandTally struct {
	Band outcome.Band
	N    int
}

// labelUnits names each placed unit as the table, the chart and the
// download name it: its own name, else its id, else "Unit N" by its place
// in the submission ("Your figures" when it is the only one), cut to
// maxLabelRunes.
func labelUnits(rows []catalog.Row) {
	for i := range rows {
		u := &rows[i]
		switch {
		case u.UnitName != "":
		case u.UnitID != "":
			u.UnitName = u.UnitID
		case len(rows) == 1:
			u.UnitName = "Your figures"
		default:
			u.UnitName = "Unit " + strconv.Itoa(i+1)
		}
		u.UnitName = chart.ShortName(u.UnitName, maxLabelRunes)
	}
}

// groupByFunnel groups placed units by the funnel each sits on (funnels[i]
// is rows[i]'s, as catalog.Release.Place found it), in the order each
// funnel first appears in the submission.
func groupByFunnel(rows []catalog.Row, funnels []*catalog.Funnel) []selfCheckGroup {
	var groups []selfCheckGroup
	index := map[*catalog.Funnel]int{}
	for i, f := range funnels {
		k, ok := index[f]
		if !ok {
			k = len(groups)
			index[f] = k
			groups = append(groups, selfCheckGroup{Funnel: f, Title: funnelTitle(f.Specialty, f.Procedure, f.Period, f.UnitType)})
		}
		groups[k].Rows = append(groups[k].Rows, rows[i])
		groups[k].at = append(groups[k].at, i)
	}
	for k := range groups {
		g := &groups[k]
		if len(g.Rows) == 1 {
			g.Lone = &g.Rows[0]
		}
		counts := map[outcome.Band]int{}
		for _, u := range g.Rows {
			counts[u.Band]++
		}
		for _, w := range outcome.Bands() {
			if n := counts[w.Band]; n > 0 {
				g.Tally = append(g.Tally, bandTally{Band: w.Band, N: n})
			}
		}
	}
	return groups
}

// Named says whether the group's chart names its units beside their
// points (maxNamedUnits).
func (g *selfCheckGroup) Named() bool { return len(g.Rows) <= maxNamedUnits }

// draw draws the group's published funnel with all its units on it,
// highlighted and, when there are few enough, named by their labels:
// compact for the page, or standalone, full size, for the download.
func (g *selfCheckGroup) draw(r *catalog.Release, standalone bool) (template.HTML, error) {
	p := g.plot(r, !standalone)
	return writeFunnelSVG(&p, standalone)
}

// plot is the group's published funnel with all its units on it (draw),
// compact for the page or full size.
func (g *selfCheckGroup) plot(r *catalog.Release, compact bool) chart.Funnel {
	pts := make([]chart.Point, len(g.Rows))
	for i := range g.Rows {
		u := &g.Rows[i]
		pts[i] = chart.Point{UnitID: "self-check-" + strconv.Itoa(g.at[i]+1), Name: u.UnitName, X: u.FunnelX,
			Survival: u.Survival, Band: u.Band, Summary: pointSummary(u), Highlight: true}
	}
	p := pagePlot(r, g.Funnel, nil, compact, stats.AdjustNone, "", pts...)
	p.HideLabels = !g.Named()
	return p
}

// unitsCSV writes a group's units as the canonical CSV the download form
// sends back ("units", read by readSelfCheckForm through the same checks):
// each unit's funnel as placed, so no default is chosen again, and its
// label as its name, so the download names the points as the page does.
// Expected deaths are written exactly (the shortest form that reads back
// as the same number), and only for a risk-adjusted funnel.
func unitsCSV(rows []catalog.Row) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"specialty", "procedure", "period", "unit_type", "unit_name", "cases", "events", "expected"})
	for _, u := range rows {
		expected := ""
		if u.RiskAdjusted {
			expected = strconv.FormatFloat(u.Expected, 'g', -1, 64)
		}
		w.Write([]string{u.Specialty, u.Procedure, u.Period, string(u.UnitType), u.UnitName, strconv.Itoa(u.Cases),
			strconv.Itoa(u.Events), expected})
	}
	w.Flush() // a strings.Builder does not fail
	return b.String()
}
