package api

import (
	"bytes"
	"encoding/csv"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/csvcell"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// overlapCaution is what every history says of its periods.
const overlapCaution = "Periods that overlap (three-year windows a year apart) share patients: their results are not independent, and a change between them is smaller than it looks. A period may be in several releases; each point names its release, and a superseded one the release that corrected it."

// historyDTO is a surgeon's or a hospital's results over every release.
type historyDTO struct {
	// Surgeon or hospital.
	UnitType outcome.UnitType `json:"unit_type" swaggertype:"string" enums:"surgeon,hospital" example:"surgeon"`
	// The surgeon's or hospital's register id.
	UnitID string `json:"unit_id" example:"9000017"`
	// The surgeon's or hospital's name, as the latest release with it
	// gives it.
	UnitName string `json:"unit_name" example:"Ms Ada Brightwater"`
	// A warning to read with the points: overlapping periods share
	// patients.
	Caution string `json:"caution"`
	// Each result in each release.
	Points []historyPoint `json:"points"`
}

// historyPoint is one result in one release: the release, whether a
// correction superseded it, and the row as that release publishes it.
type historyPoint struct {
	// The id of the release this result comes from.
	Release string `json:"release" example:"2025-q1"`
	// The id of the correction that replaced that release; null when none
	// has.
	SupersededBy *string `json:"superseded_by" example:"2025-q1-r2" extensions:"x-nullable"`
	unitRow
}

// historyColumns are the CSV's columns: the release's two, then a row's.
var historyColumns = append([]string{"release", "superseded_by"}, rowColumns...)

// handleHistory answers GET /api/v1/surgeons/{id}/history and
// /hospitals/{id}/history, and their .csv twins.
//
//	@Summary		A surgeon's or hospital's history across releases
//	@Description	Every result of the unit in every release loaded (ids are stable register ids), by specialty, procedure and period, and within a period oldest release first; each point names its release and, where a correction superseded it, the correction. Overlapping periods share patients (data.caution). The same URL with .csv, ?format=csv or Accept: text/csv gives the points as CSV: release, superseded_by, then the columns of /surgeons. meta names the latest release.
//	@Tags			surgeons,hospitals
//	@Produce		json
//	@Produce		text/csv
//	@Param			unit	path		string	true	"surgeons or hospitals"	Enums(surgeons, hospitals)
//	@Param			id		path		string	true	"register id"
//	@Param			format	query		string	false	"json (default) or csv"	Enums(json, csv)
//	@Param			bom		query		int		false	"1: CSV begins with a UTF-8 byte-order mark"
//	@Success		200		{object}	envelope{data=historyDTO,meta=meta}
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no such unit in any release"
//	@Router			/api/v1/{unit}/{id}/history [get]
func (s *Server) handleHistory(unitType outcome.UnitType, csvExt bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Param("id")
		t, q, err := s.resolve(c, []string{paramFormat, paramBOM}, "/"+unitType.Plural()+"/"+url.PathEscape(id)+"/history")
		if err != nil {
			return err
		}
		t.pinned = false // it grows with each release
		points := s.cat.History(unitType, id)
		if len(points) == 0 {
			return notFound("no %s %q in any release", unitType, truncate(id))
		}
		d := historyDTO{UnitType: unitType, UnitID: id, UnitName: points[len(points)-1].Row.UnitName,
			Caution: overlapCaution, Points: make([]historyPoint, len(points))}
		var periods []string
		for i, p := range points {
			d.Points[i] = historyPoint{Release: p.Release.Meta.ID, SupersededBy: optionalText(p.Release.Meta.SupersededBy),
				unitRow: toUnitRow(p.Row)}
			periods = appendDistinct(periods, p.Row.Period)
		}
		if asCSV, err := wantsCSV(c, q, csvExt); err != nil {
			return err
		} else if asCSV {
			return sendBuiltCSV(c, t, historyCSV(d.Points, q.BOM), q.BOM)
		}
		return s.sendJSON(c, t, func() (any, string, error) {
			l := t.links()
			l.Pinned = ""
			return envelope{Data: d, Meta: newMeta(t.rel, len(d.Points), periods), Links: l}, "", nil
		})
	}
}

// historyCSV writes the points as CSV (RFC 4180, CRLF), text through
// csvcell.Safe, with a byte-order mark for Excel when bom is set.
func historyCSV(points []historyPoint, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		b.WriteString("\uFEFF")
	}
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(historyColumns)
	rec := make([]string, 0, len(historyColumns))
	for i := range points {
		p := &points[i]
		sup := ""
		if p.SupersededBy != nil {
			sup = *p.SupersededBy
		}
		rec = p.csvRecord(append(rec[:0], csvcell.Safe(p.Release), csvcell.Safe(sup)))
		w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// wantsCSV reports whether a request for a small collection built whole
// (changes, a history) asks for CSV: by its .csv path, ?format=csv, or an
// Accept header that prefers it when no format is given. These answer
// JSON or CSV only: NDJSON is the collections' stream of rows.
func wantsCSV(c echo.Context, q query, csvExt bool) (bool, error) {
	if q.NDJSON {
		return false, badRequest(paramFormat, "must be json or csv here")
	}
	return csvExt || q.CSV || !q.formatGiven && prefersCSV(c.Request().Header.Get(echo.HeaderAccept)), nil
}

// sendBuiltCSV sends a CSV body built whole, tagged by its representation
// (with or without a byte-order mark).
func sendBuiltCSV(c echo.Context, t resource, body []byte, bom bool) error {
	e := newCached(t, body, "")
	e.etag, e.contentType = t.etag("csv"+strconv.FormatBool(bom)), "text/csv; charset=utf-8"
	return writeCached(c, e)
}
