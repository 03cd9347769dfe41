package site

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// historyPoint is one result of a unit in one release, as a unit page's
// history across releases lists it.
type historyPoint struct {
	Release      string
	SupersededBy string
	Row          catalog.Row
}

// addHistory gives each group of a unit's page its results in every
// release loaded (catalog.History), when there is more than the release
// shown has: a table of every point, oldest period first, and a chart of
// those judged, each labelled with its period and release. Points of a
// superseded release are listed, said to be corrected, and not drawn.
func (s *Site) addHistory(t outcome.UnitType, id, shown string, groups []resultGroup) {
	points := s.cat.History(t, id)
	for i := range groups {
		g := &groups[i]
		var hist []historyPoint
		others := false
		for _, p := range points {
			if p.Row.Specialty != g.Latest.Specialty || p.Row.Procedure != g.Latest.Procedure {
				continue
			}
			hist = append(hist, historyPoint{Release: p.Release.Meta.ID, SupersededBy: p.Release.Meta.SupersededBy, Row: *p.Row})
			others = others || p.Release.Meta.ID != shown
		}
		if !others {
			continue // the release shown has it all: its own table says it
		}
		g.History = hist
		var bars []barRow
		var rows []catalog.Row
		for _, h := range hist {
			if h.SupersededBy == "" && outcome.Assessed(h.Row.Band) {
				bars = append(bars, barRow{Label: periodWords(h.Row.Period) + " (release " + h.Release + ")", Row: h.Row})
				rows = append(rows, h.Row)
			}
		}
		if len(bars) > 1 {
			g.HistoryBars = intervalChart(bars, pageLow([][]catalog.Row{rows}))
		}
	}
}

// unitElsewhere answers a unit page whose unit the release shown does not
// have. Asked of the latest, a unit in an older release is sent there (its
// page says it is an older release): nothing once published disappears.
// Otherwise, or asked of a release by name, it is not found.
func (s *Site) unitElsewhere(c echo.Context, t outcome.UnitType, id string) error {
	if c.QueryParam("release") == "" {
		if points := s.cat.History(t, id); len(points) > 0 {
			newest := points[0].Release
			for _, p := range points {
				if p.Release.Meta.IngestedAt.After(newest.Meta.IngestedAt) {
					newest = p.Release
				}
			}
			return c.Redirect(http.StatusFound, inRelease(UnitPath(t, id), s.releaseQuery(newest)))
		}
	}
	return unknownUnit(t, id)
}
