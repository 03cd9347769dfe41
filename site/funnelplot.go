package site

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/chart"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/stats"
)

// newFunnelPlot turns a catalog funnel into a plot on the survival scale.
//
// On the ratio scale (y = O/E) survival is 1 − y·p0; on the proportion
// scale (y = O/n) it is 1 − y. Either way the scale turns over: the upper
// survival limit is 1 − lower·p0 (or 1 − lower) and the lower survival
// limit 1 − upper·p0, so a high_alarm unit (more deaths than the upper
// 99.8% limit) lies below the lower 99.8% survival line. Survival is
// clamped to [0, 1].
//
// The drawn lines are f.Curve with the own limits of each unit near a line
// added at its x, so a point and the lines agree with its band exactly, not
// just to the resolution of the curve's 200 points (STATS.md §8.1). Below
// one expected death no line is drawn (§8.3): a unit there is judged by
// the exact test, whose boundary jumps a whole death at a time, and its
// mark alone says its band. Points come in the
// tables' order (sortPlotPoints). highlight marks units by id; href gives a unit's
// page (nil: none); summary gives a point's sentence (nil: defaultPlotSummary).
func newFunnelPlot(r *catalog.Release, f *catalog.Funnel, highlight map[string]bool, href func(unitID string) string,
	summary func(u *catalog.Row) string) chart.Funnel {
	p0 := f.Target
	k := 1.0
	if f.Scale == "ratio" {
		k = p0
	}
	surv := func(y float64) float64 { return clamp01(1 - y*k) }
	rows := placedRows(r.FunnelRows(f))
	p := chart.Funnel{TargetSurvival: clamp01(1 - p0), TargetLabel: "National average", Units: f.UnitType.Plural(),
		XLabel: "Operations, weighted by patient risk", YLabel: "Risk-adjusted survival"}
	if f.Scale != "ratio" {
		p.XLabel, p.YLabel = "Operations", "Survival"
	}

	if summary == nil {
		summary = defaultPlotSummary
	}
	p.Points = make([]chart.Point, 0, len(rows))
	for i := range rows {
		u := &rows[i]
		pt := chart.Point{UnitID: u.UnitID, Name: u.UnitName, X: u.FunnelX,
			Survival: surv(u.FunnelY), Band: u.Band, Highlight: highlight[u.UnitID]}
		if href != nil {
			pt.Href = href(u.UnitID)
		}
		p.Points = append(p.Points, pt)
	}
	// A dense funnel (chart.DenseAbove) shades the points that are not
	// drawn alone: only those alone need their sentence, and their own
	// limits on the lines.
	dense := p.Dense()
	for i := range p.Points { // still in the order of rows
		if pt := &p.Points[i]; !dense || pt.Alone() {
			pt.Summary = summary(&rows[i])
		}
	}
	sortPlotPoints(p.Points, f.UnitType)

	curve := make([]chart.Curve, 0, len(f.Curve)+len(rows))
	for _, c := range f.Curve {
		curve = append(curve, chart.Curve{X: c.X, Low998: surv(c.Upper998), Low95: surv(c.Upper95),
			High95: surv(c.Lower95), High998: surv(c.Lower998)})
	}
	for i := range rows {
		u := &rows[i]
		x := u.FunnelX
		if !(x > 0) || !finite(x) || math.IsNaN(u.Lower95+u.Upper95+u.Lower998+u.Upper998) || !nearLine(u) ||
			stats.Small(expectedDeaths(u)) {
			continue
		}
		if dense && !(&chart.Point{Band: u.Band, Highlight: highlight[u.UnitID]}).Alone() {
			continue
		}
		curve = append(curve, chart.Curve{X: x, Low998: surv(u.Upper998), Low95: surv(u.Upper95),
			High95: surv(u.Lower95), High998: surv(u.Lower998)})
	}
	slices.SortStableFunc(curve, func(a, b chart.Curve) int { return cmp.Compare(a.X, b.X) })
	p.Curve = slices.CompactFunc(curve, func(a, b chart.Curve) bool { return a.X == b.X })
	p.Title, p.Description = funnelText(f, rows, p.TargetSurvival)
	return p
}

// nearLine reports whether a unit lies close enough to one of its limits
// that the curve's own interpolation could put it on the wrong side by a
// pixel: only those units' limits are added to the drawn lines, which keeps
// a 500-unit chart's paths short.
func nearLine(u *catalog.Row) bool {
	y := u.FunnelY
	width := u.Upper998 - u.Lower998
	if !finite(y) || !(width > 0) {
		return false
	}
	for _, l := range []float64{u.Lower998, u.Lower95, u.Upper95, u.Upper998} {
		if math.Abs(y-l) < 0.05*width {
			return true
		}
	}
	return false
}

// sortPlotPoints orders points as the tables list them, so the keyboard
// and a screen reader meet them in the same order: units judged before
// those too small to judge (judgedFirst), each A–Z by name (case and
// accents folded, surgeons by surname: catalog.UnitNameKey), then by name
// and unit id, so the order is total.
//
// The points are sorted through their indices, each name's key worked out
// once: sorting 100,000 points themselves, looking keys up by name, took
// seconds.
func sortPlotPoints(ps []chart.Point, t outcome.UnitType) {
	keys := make([]string, len(ps))
	order := make([]int32, len(ps))
	for i := range ps {
		keys[i], order[i] = catalog.UnitNameKey(t, ps[i].Name), int32(i)
	}
	slices.SortStableFunc(order, func(i, j int32) int {
		a, b := &ps[i], &ps[j]
		return cmp.Or(judgedFirst(a.Band, b.Band), strings.Compare(keys[i], keys[j]), strings.Compare(a.Name, b.Name),
			strings.Compare(a.UnitID, b.UnitID))
	})
	sorted := make([]chart.Point, len(ps))
	for i, j := range order {
		sorted[i] = ps[j]
	}
	copy(ps, sorted)
}

// defaultPlotSummary is a unit's default sentence: its figures and its band.
func defaultPlotSummary(u *catalog.Row) string {
	b := []byte(u.UnitName)
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(u.Cases), 10)
	b = append(b, " operations, "...)
	b = strconv.AppendInt(b, int64(u.Events), 10)
	if u.Events == 1 {
		b = append(b, " death"...)
	} else {
		b = append(b, " deaths"...)
	}
	if e := u.Expected; finite(e) {
		b = append(b, " ("...)
		b = strconv.AppendFloat(b, e, 'f', 1, 64)
		b = append(b, " expected)"...)
	}
	if s := u.Survival; finite(s) {
		if u.RiskAdjusted {
			b = append(b, "; risk-adjusted survival "...)
		} else {
			b = append(b, "; survival "...)
		}
		b = strconv.AppendFloat(b, 100*s, 'f', 1, 64)
		b = append(b, '%')
	}
	if w, ok := outcome.Words(u.Band); ok {
		b = append(b, "; "...)
		b = append(b, w.Summary...)
	}
	return string(append(b, '.'))
}

// funnelText gives a funnel's default title and text alternative.
func funnelText(f *catalog.Funnel, rows []catalog.Row, target float64) (title, desc string) {
	spName, procName := f.Specialty, f.Procedure
	if sp, ok := outcome.LookupSpecialty(f.Specialty); ok {
		spName = sp.Name
		for _, pr := range sp.Procedures {
			if pr.Slug == f.Procedure {
				procName = pr.Name
			}
		}
	}
	units := f.UnitType.Plural()
	title = "Funnel plot: " + spName + ", " + procName + ", " + units + ", " + periodWords(f.Period)
	counts := map[outcome.Band]int{}
	for i := range rows {
		counts[rows[i].Band]++
	}
	var b strings.Builder
	b.WriteString("Each point is one of ")
	b.WriteString(strconv.Itoa(len(rows)))
	b.WriteString(" " + units + ", placed by ")
	if f.Scale == stats.ScaleRatio {
		b.WriteString("operations weighted by patient risk (across) and risk-adjusted survival (up)")
	} else {
		b.WriteString("operations (across) and survival (up)")
	}
	b.WriteString(". A line marks the national average survival")
	if finite(target) {
		b.WriteString(", ")
		b.Write(strconv.AppendFloat(nil, 100*target, 'f', 1, 64))
		b.WriteString("%")
	}
	b.WriteString("; shaded bands show the 95% and 99.8% limits, where " + units +
		" would lie by chance alone, narrowing as the number of operations grows. The bands start at one" +
		" expected death: a result with fewer is checked for a large excess of deaths by an exact test instead.")
	for _, w := range outcome.Bands() {
		if n := counts[w.Band]; n > 0 {
			b.WriteString(" ")
			b.WriteString(strconv.Itoa(n))
			if n == 1 {
				b.WriteString(" " + string(f.UnitType) + ": ")
			} else {
				b.WriteString(" " + units + ": ")
			}
			b.WriteString(w.Summary)
			b.WriteString(".")
		}
	}
	return title, b.String()
}

// adjustedCurve gives a funnel's overdispersion-adjusted limits on the
// survival scale, at the x values of f.Curve, for dashed lines (STATS.md
// §8.5), as stats.Overdispersion.Adjust computes them. It returns nil where
// the adjustment does not apply (none asked, φ ≤ 1 or undefined for
// multiplicative, τ² undefined for additive).
func adjustedCurve(f *catalog.Funnel, a stats.Adjustment) []chart.Curve {
	p0 := f.Target
	k := 1.0 // y to event rate: O/E × p0, or O/n as it is
	if f.Scale == stats.ScaleRatio {
		k = p0
	}
	surv := func(y float64) float64 { return clamp01(1 - y*k) }
	od := stats.Overdispersion{Scale: f.Scale, Target: p0, Phi: f.Phi, Tau2: f.Tau2}
	var out []chart.Curve
	for _, c := range f.Curve {
		size := c.X * p0 // E at x = E/p0
		if f.Scale == stats.ScaleProportion {
			size = c.X
		}
		l, ok := od.Adjust(a, size, c.Limits())
		if !ok {
			continue
		}
		out = append(out, chart.Curve{X: c.X, Low998: surv(l.Upper998), Low95: surv(l.Upper95),
			High95: surv(l.Lower95), High998: surv(l.Lower998)})
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// clamp01 keeps a survival inside [0, 1]. NaN stays NaN.
func clamp01(x float64) float64 {
	switch {
	case x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

// placedRows is rows without the units that have no place on the funnel
// (outcome.Placed): the chart neither draws nor counts them. rows is the
// release's own, so it is copied, not changed, when some must go.
func placedRows(rows []catalog.Row) []catalog.Row {
	if !slices.ContainsFunc(rows, func(u catalog.Row) bool { return !outcome.Placed(u.Band) }) {
		return rows
	}
	return slices.DeleteFunc(slices.Clone(rows), func(u catalog.Row) bool { return !outcome.Placed(u.Band) })
}
