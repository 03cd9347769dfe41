package site

import (
	"cmp"
	"slices"
	"strings"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// attention is what a hospital's page leads with, for the governance lead
// and the journalist who come to it asking what needs looking into: every
// result of the hospital and of its surgeons in the latest period of its
// specialty (catalog.Release.LatestPeriod), counted, and those outside a
// 95% limit (outcome.Outside95) listed with their words, figures and a
// link. When none is outside, the page says so in words, with what that
// does and does not mean.
type attention struct {
	// Period is the latest period when every result counted is of the
	// same one, else "" (each specialty's latest is its own).
	Period string
	// Hospital and Surgeons count the results compared with expected
	// (outcome.Assessed): the hospital's own, and its surgeons'.
	Hospital, Surgeons int
	// NotJudged counts the latest period's results that were not
	// compared, by band (too few to tell, not assessable).
	NotJudged []bandCount
	// Outside are the results outside a 95% limit: the hospital's own
	// first, then its surgeons', each by specialty, A–Z, then by
	// procedure, as the tables of surgeons are. Never ranked.
	Outside []attentionRow
	// ByBand counts Outside by band, in order of concern.
	ByBand []bandCount
}

// attentionRow is one result outside a 95% limit.
type attentionRow struct {
	catalog.Row
	// Link is where the result is told in full: the hospital's section
	// on this page, or the surgeon's page.
	Link string
}

// bandCount is how many results lie in one band.
type bandCount struct {
	Band outcome.Band
	N    int
}

// Compared is how many results were compared with expected.
func (a attention) Compared() int { return a.Hospital + a.Surgeons }

// hospitalAttention builds a hospital's summary from its own rows (own)
// and its surgeons' (surgeons), indices into r.Rows; rq keeps the
// surgeons' links in the release shown (releaseQuery).
func hospitalAttention(r *catalog.Release, own, surgeons []int32, rq string) attention {
	var a attention
	periods := map[string]bool{}
	notJudged, outside := map[outcome.Band]int{}, map[outcome.Band]int{}
	var ownOut, surgeonsOut []attentionRow
	seen := map[int32]bool{}
	add := func(i int32, count *int, out *[]attentionRow, link func(u *catalog.Row) string) {
		u := &r.Rows[i]
		if seen[i] || u.Period != r.LatestPeriod(u.Specialty) {
			return
		}
		seen[i] = true
		periods[u.Period] = true
		if !outcome.Assessed(u.Band) {
			notJudged[u.Band]++
			return
		}
		*count++
		if outcome.Outside95(u.Band) {
			outside[u.Band]++
			*out = append(*out, attentionRow{Row: *u, Link: link(u)})
		}
	}
	for _, i := range own {
		add(i, &a.Hospital, &ownOut, func(u *catalog.Row) string { return "#" + groupID(u.Specialty, u.Procedure) })
	}
	for _, i := range surgeons {
		add(i, &a.Surgeons, &surgeonsOut, func(u *catalog.Row) string {
			return inRelease(UnitPath(outcome.Surgeon, u.UnitID), rq)
		})
	}
	// As the tables below it: by specialty, A–Z, then by procedure.
	byGroup := func(x, y attentionRow) int {
		return cmp.Or(strings.Compare(x.Specialty, y.Specialty), catalog.CompareNames(x.UnitName, y.UnitName),
			strings.Compare(x.UnitID, y.UnitID), strings.Compare(x.Procedure, y.Procedure))
	}
	slices.SortFunc(ownOut, byGroup)
	slices.SortFunc(surgeonsOut, byGroup)
	a.Outside = append(ownOut, surgeonsOut...)
	if len(periods) == 1 {
		for p := range periods {
			a.Period = p
		}
	}
	for _, w := range outcome.Bands() {
		if n := outside[w.Band]; n > 0 {
			a.ByBand = append(a.ByBand, bandCount{Band: w.Band, N: n})
		}
		if n := notJudged[w.Band]; n > 0 {
			a.NotJudged = append(a.NotJudged, bandCount{Band: w.Band, N: n})
		}
	}
	return a
}
