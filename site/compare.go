package site

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Limits of the compare page: how many surgeons one comparison shows (a
// chart of twenty rows is already long on a phone), and how many search
// results the picker offers at once.
const (
	maxCompared = 20
	maxOffered  = 20
)

// comparePage shows chosen surgeons side by side, each with the same
// figures, and says why any chosen surgeon is not there.
type comparePage struct {
	// Chosen are the surgeons asked for who are in the release, A–Z by
	// surname: the picker's ticked boxes.
	Chosen []compareChoice
	Groups []compareGroup
	// Absent are chosen surgeons, or numbers, missing from the charts,
	// each with the reason.
	Absent []compareAbsent
	// Unread counts the values that cannot be a registration number (too
	// long, or with control characters); Dropped those beyond maxCompared.
	Unread, Dropped int
	// Period is the period asked for ("" for each specialty's latest);
	// BadPeriod one asked for that the release does not have; Periods the
	// picker's choice of periods, newest first.
	Period, BadPeriod string
	Periods           []option
	// Q is the picker's search; Offered the surgeons it found who are not
	// chosen yet (More: how many more matched), A–Z by surname.
	Q        string
	Searched bool
	Offered  []compareChoice
	More     int
	Max      int
	// rq keeps the page's links in the release it shows (releaseQuery).
	rq string
}

// compareChoice is a surgeon in the picker.
type compareChoice struct {
	ID, Name string
	// Hospitals are where the surgeon operated and Specialties what in,
	// for telling namesakes apart and knowing which chart they join.
	Hospitals, Specialties string
}

// compareGroup is one specialty and procedure in the period compared: the
// chosen surgeons who have results there, A–Z by surname.
type compareGroup struct {
	Specialty, Procedure, Period string
	Rows                         []catalog.Row
	Bars                         template.HTML // empty when nobody in the group can be judged
	// FunnelImage is the surgeons' funnel with the chosen marked, as an
	// image that loads when opened, FunnelAlt its text alternative, and
	// FunnelAt the specialty page showing the same.
	FunnelImage, FunnelAlt, FunnelAt string
}

// compareAbsent is a chosen surgeon, or a number, not on a chart: either
// no surgeon has the number (Name empty), or the surgeon has no results in
// some specialties and procedures in the period compared (Shown), but has
// in others, each with the address comparing the same surgeons then.
type compareAbsent struct {
	ID, Name string
	// Groups name the specialties and procedures, each as a heading does.
	Groups  []string
	Shown   string
	Periods []comparePeriod
}

// comparePeriod is another period the same comparison can be seen in.
type comparePeriod struct {
	Period, Href string
}

// HandleCompare answers GET /compare?ids=…&period=…&q=…: the chosen
// surgeons, in each specialty's latest period or the one asked for, each
// with the band's words, operations, deaths and expected deaths, and their
// risk-adjusted survival on one scale for each specialty, in A–Z order by
// surname, a comparison with what was expected, never a league table.
// Every number asked for is accounted for: one that no surgeon has, or a
// surgeon with no results in the period shown, is listed with the reason.
// The picker is a list of checkboxes (the surgeons chosen, and those a
// search finds), which work alike with touch, mouse and keyboard.
func (s *Site) HandleCompare(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	d := comparePage{Max: maxCompared, rq: s.releaseQuery(r)}
	var ids []string
	ids, d.Unread, d.Dropped = compareIDs(c.QueryParams()["ids"])
	var unknown []compareAbsent
	for _, id := range ids {
		idx := r.Surgeon(id)
		if len(idx) == 0 {
			unknown = append(unknown, compareAbsent{ID: id})
			continue
		}
		d.Chosen = append(d.Chosen, choiceOf(r, id, idx))
	}
	sortChoices(d.Chosen)
	d.choosePeriod(r, strings.TrimSpace(c.QueryParam("period")))
	for _, ch := range d.Chosen {
		d.Absent = append(d.Absent, d.otherPeriodsOnly(r, ch)...)
	}
	d.Absent = append(d.Absent, unknown...)
	d.addGroups(r)
	d.Q = strings.TrimSpace(c.QueryParam("q"))
	if d.Q != "" && validText(d.Q) {
		d.Searched = true
		d.offer(r)
	}
	return s.render(c, http.StatusOK, "compare", page{Title: "Compare surgeons with what was expected",
		Section: "search", Data: &d,
		Description: "Chosen surgeons side by side: each one's survival compared with what was expected for their own patients."})
}

// sortChoices puts surgeons A–Z by surname (catalog.CompareNames), and
// namesakes by number.
func sortChoices(cs []compareChoice) {
	slices.SortFunc(cs, func(a, b compareChoice) int {
		return cmp.Or(catalog.CompareNames(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
}

// compareIDs reads ?ids= (repeated, as checkboxes send it, or
// comma-separated, as people type it): distinct values in the order given,
// at most maxCompared, with how many could not be a registration number
// and how many were over the limit.
func compareIDs(values []string) (ids []string, unread, dropped int) {
	for _, raw := range values {
		for id := range strings.SplitSeq(raw, ",") {
			id = strings.TrimSpace(id)
			switch {
			case id == "" || slices.Contains(ids, id):
			case !validText(id):
				unread++
			case len(ids) == maxCompared:
				dropped++
			default:
				ids = append(ids, id)
			}
		}
	}
	return ids, unread, dropped
}

// choiceOf is a known surgeon as the picker shows them.
func choiceOf(r *catalog.Release, id string, idx []int32) compareChoice {
	var hospitals []string
	for _, i := range idx {
		if name := r.Rows[i].HospitalName; name != "" && !slices.Contains(hospitals, name) {
			hospitals = append(hospitals, name)
		}
	}
	var specialties []string
	for _, i := range idx {
		specialties = appendDistinct(specialties, r.Rows[i].Specialty)
	}
	return compareChoice{ID: id, Name: r.Rows[idx[0]].UnitName, Hospitals: strings.Join(hospitals, ", "),
		Specialties: specialtyNames(specialties)}
}

// specialtyNames writes specialties' slugs as their names, in the order
// given.
func specialtyNames(slugs []string) string {
	names := make([]string, len(slugs))
	for i, slug := range slugs {
		names[i] = groupTitle(slug, "all")
	}
	return strings.Join(names, ", ")
}

// choosePeriod reads ?period=: a period some specialty of the release
// has, or else each specialty's latest (and BadPeriod says what was asked
// for), and lists the periods to choose from, newest first.
func (d *comparePage) choosePeriod(r *catalog.Release, asked string) {
	var all []string
	for _, sp := range outcome.Specialties() {
		for _, p := range r.Periods(sp.Slug) {
			all = appendDistinct(all, p)
		}
	}
	slices.Sort(all)
	slices.Reverse(all)
	switch {
	case asked == "":
	case slices.Contains(all, asked):
		d.Period = asked
	case validText(asked):
		d.BadPeriod = asked
	default:
		d.BadPeriod = "?"
	}
	d.Periods = []option{{Value: "", Label: "The latest for each specialty", Selected: d.Period == ""}}
	for _, p := range all {
		d.Periods = append(d.Periods, option{Value: p, Label: periodWords(p), Selected: p == d.Period})
	}
}

// shown is the period a specialty is compared in: the one asked for, or
// its latest.
func (d *comparePage) shown(r *catalog.Release, specialty string) string {
	if d.Period != "" {
		return d.Period
	}
	return r.LatestPeriod(specialty)
}

// otherPeriodsOnly lists a surgeon's specialties and procedures with
// results, but none in the period compared: one entry for those with the
// same periods instead (a specialty's "all" and its procedures, usually),
// so that a surgeon is not named once for each.
func (d *comparePage) otherPeriodsOnly(r *catalog.Release, ch compareChoice) []compareAbsent {
	var out []compareAbsent
	for _, rows := range groupResults(r, r.Surgeon(ch.ID)) {
		u := rows[0]
		shown := d.shown(r, u.Specialty)
		if slices.ContainsFunc(rows, func(e catalog.Row) bool { return e.Period == shown }) {
			continue
		}
		a := compareAbsent{ID: ch.ID, Name: ch.Name, Groups: []string{groupTitle(u.Specialty, u.Procedure)}, Shown: shown}
		for _, e := range rows { // newest first
			a.Periods = append(a.Periods, comparePeriod{Period: e.Period, Href: d.href(e.Period)})
		}
		i := slices.IndexFunc(out, func(o compareAbsent) bool { return o.Shown == a.Shown && slices.Equal(o.Periods, a.Periods) })
		if i < 0 {
			out = append(out, a)
			continue
		}
		out[i].Groups = append(out[i].Groups, a.Groups...)
	}
	return out
}

// href is the address of this comparison in another period.
func (d *comparePage) href(period string) string {
	ids := make([]string, len(d.Chosen))
	for i, ch := range d.Chosen {
		ids[i] = ch.ID
	}
	return inRelease("/compare?"+url.Values{"ids": {strings.Join(ids, ",")}, "period": {period}}.Encode(), d.rq)
}

// addGroups builds a group for every surgeons' funnel in the period
// compared where a chosen surgeon has results. The surgeons of a group
// share one scale; groups are not compared with each other (each has its
// own national average), so one surgeon's wide interval in a small
// specialty does not squeeze another specialty's bars into a corner.
func (d *comparePage) addGroups(r *catalog.Release) {
	for _, f := range r.Funnels {
		if f.UnitType != outcome.Surgeon || f.Period != d.shown(r, f.Specialty) {
			continue
		}
		g := compareGroup{Specialty: f.Specialty, Procedure: f.Procedure, Period: f.Period}
		var in []string
		for _, ch := range d.Chosen {
			if u := r.RowOf(outcome.Surgeon, ch.ID, f.Specialty, f.Procedure, f.Period); u != nil {
				g.Rows = append(g.Rows, *u)
				in = append(in, ch.ID)
			}
		}
		if len(in) == 0 {
			continue
		}
		// The funnel is an image, as on the hospital page: inline, every
		// surgeon in the country with a link and a sentence, one for each
		// procedure, made two surgeons' page 166 KB. The list above it
		// carries every figure of the surgeons compared.
		v := url.Values{"procedure": {f.Procedure}, "period": {f.Period}, "highlight": {strings.Join(in, ",")}}
		g.FunnelAt = inRelease("/specialties/"+f.Specialty+"?"+v.Encode(), d.rq)
		v.Set(paramUnitType, string(outcome.Surgeon))
		v.Set("compact", "1")
		g.FunnelImage = inRelease("/specialties/"+f.Specialty+"/funnel.svg?"+v.Encode(), d.rq)
		g.FunnelAlt = "Funnel plot of all " + plural(len(f.ByName), "surgeon") + " in " + groupTitle(f.Specialty, f.Procedure) +
			", " + periodWords(f.Period) + ", with the " + plural(len(in), "surgeon") + " compared here marked"
		d.Groups = append(d.Groups, g)
	}
	// A group where nobody can be judged has no chart: it would hold
	// words alone, which the list says better.
	for i, g := range d.Groups {
		if !slices.ContainsFunc(g.Rows, func(u catalog.Row) bool { return outcome.Assessed(u.Band) }) {
			continue
		}
		bars := make([]barRow, len(g.Rows))
		for j, u := range g.Rows {
			bars[j] = barRow{Label: u.UnitName, Row: u}
		}
		d.Groups[i].Bars = intervalChart(bars, pageLow([][]catalog.Row{g.Rows}))
	}
}

// offer fills the picker with the surgeons the search finds who are not
// chosen yet, A–Z by surname.
func (d *comparePage) offer(r *catalog.Release) {
	chosen := map[string]bool{}
	for _, ch := range d.Chosen {
		chosen[ch.ID] = true
	}
	for _, u := range r.Search(d.Q) {
		if u.Type != outcome.Surgeon || chosen[u.ID] {
			continue
		}
		if len(d.Offered) == maxOffered {
			d.More++
			continue
		}
		d.Offered = append(d.Offered, compareChoice{ID: u.ID, Name: u.Name, Hospitals: strings.Join(u.Hospitals, ", "),
			Specialties: specialtyNames(u.Specialties)})
	}
	sortChoices(d.Offered)
}
