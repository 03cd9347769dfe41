package api

import (
	"cmp"
	"compress/gzip"
	"encoding/csv"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// handleUnits answers GET /api/v1/surgeons and /api/v1/hospitals, and
// their .csv twins.
//
//	@Summary		Surgeons' results
//	@Description	Every surgeon's result in every comparison group of the release (one row per surgeon, specialty, procedure and period), filtered, sorted and paged. The same URL with .csv, ?format=csv or Accept: text/csv gives the same rows in the same order as CSV (RFC 4180, UTF-8, CRLF; null = empty cell; a CSV without limit streams every matching row) with the columns unit_type, unit_id, unit_name, specialty, procedure, period, outcome, hospital_id, hospital_name, hospital_count, aggregated, cases, events, expected, target, risk_adjusted, scale, rate, ratio, ramr, survival, survival_low, survival_high, ci_low, ci_high, lower_95, upper_95, lower_998, upper_998, band, verdict, p_high, p_low, detectable_ratio, funnel_x, funnel_y, published_expected_rate, published_rate, published_low, published_high, published_rating (the JSON keys, defined in unitRow). Paging is by an opaque keyset cursor (meta.next_cursor, links.next, Link header).
//	@Tags			surgeons
//	@Produce		json
//	@Produce		text/csv
//	@Param			specialty	query		string	false	"specialty slug"
//	@Param			procedure	query		string	false	"procedure slug"
//	@Param			period		query		string	false	"period, as in the release"
//	@Param			hospital	query		string	false	"hospital id: surgeons with results there"
//	@Param			band		query		string	false	"band codes, comma-separated"
//	@Param			q			query		string	false	"words that begin a word of the unit's name, id, hospitals or specialty, in any order (case and accents ignored), as the search page finds them"
//	@Param			min_cases	query		int		false	"at least this many cases"
//	@Param			sort		query		string	false	"name (default), unit_id, hospital, specialty, period, cases, events, expected, ratio, ramr, survival, p_high, p_low or band; a leading - sorts descending"
//	@Param			cursor		query		string	false	"meta.next_cursor of the previous page"
//	@Param			limit		query		int		false	"rows per page, 1 to 1000 (default 100; CSV: all)"
//	@Param			release		query		string	false	"release id or latest (default)"
//	@Param			format		query		string	false	"json (default) or csv"										Enums(json, csv)
//	@Param			bom			query		int		false	"1: start the CSV with a UTF-8 byte-order mark, for Excel"	Enums(0, 1)
//	@Success		200			{object}	envelope{data=[]unitRow,meta=pageMeta}
//	@Header			200			{string}	Link	"the next page: <URL>; rel=next"
//	@Failure		400			{object}	problem
//	@Failure		404			{object}	problem	"no such release"
//	@Failure		429			{object}	problem
//	@Failure		503			{object}	problem	"CSV only: too many downloads at once; retry after Retry-After seconds"
//	@Router			/api/v1/surgeons [get]
//	@Router			/api/v1/surgeons.csv [get]
//	@Router			/api/v1/hospitals [get]
//	@Router			/api/v1/hospitals.csv [get]
func (s *Server) handleUnits(unitType outcome.UnitType, csvExt bool) echo.HandlerFunc {
	path := "/" + unitType.Plural()
	return func(c echo.Context) error {
		t, q, err := s.resolve(c, collectionParams, path)
		if err != nil {
			return err
		}
		return s.sendRows(c, t, q, unitType, csvExt)
	}
}

// handleSpecialtyUnits answers GET /api/v1/specialties/{slug}/surgeons and
// /hospitals, and their .csv twins: the collection with the specialty fixed.
//
//	@Summary		A specialty's surgeons or hospitals
//	@Description	As /surgeons and /hospitals, with the specialty fixed by the path.
//	@Tags			specialties
//	@Produce		json
//	@Produce		text/csv
//	@Param			slug		path		string	true	"specialty slug"
//	@Param			procedure	query		string	false	"procedure slug"
//	@Param			period		query		string	false	"period, as in the release"
//	@Param			hospital	query		string	false	"hospital id"
//	@Param			band		query		string	false	"band codes, comma-separated"
//	@Param			q			query		string	false	"words that begin a word of the unit's name, id, hospitals or specialty, in any order (case and accents ignored), as the search page finds them"
//	@Param			min_cases	query		int		false	"at least this many cases"
//	@Param			sort		query		string	false	"sort field, - for descending"
//	@Param			cursor		query		string	false	"meta.next_cursor of the previous page"
//	@Param			limit		query		int		false	"rows per page, 1 to 1000 (default 100; CSV: all)"
//	@Param			release		query		string	false	"release id or latest (default)"
//	@Param			format		query		string	false	"json (default) or csv"		Enums(json, csv)
//	@Param			bom			query		int		false	"1: UTF-8 byte-order mark"	Enums(0, 1)
//	@Success		200			{object}	envelope{data=[]unitRow,meta=pageMeta}
//	@Failure		400			{object}	problem
//	@Failure		404			{object}	problem	"no such specialty or release"
//	@Failure		503			{object}	problem	"CSV only: too many downloads at once; retry after Retry-After seconds"
//	@Router			/api/v1/specialties/{slug}/surgeons [get]
//	@Router			/api/v1/specialties/{slug}/surgeons.csv [get]
//	@Router			/api/v1/specialties/{slug}/hospitals [get]
//	@Router			/api/v1/specialties/{slug}/hospitals.csv [get]
func (s *Server) handleSpecialtyUnits(unitType outcome.UnitType, csvExt bool) echo.HandlerFunc {
	params := slices.DeleteFunc(slices.Clone(collectionParams), func(p string) bool { return p == paramSpecialty })
	return func(c echo.Context) error {
		sp, ok := outcome.LookupSpecialty(c.Param("slug"))
		if !ok {
			return notFound("no specialty %q; see /api/v1/specialties", truncate(c.Param("slug")))
		}
		t, q, err := s.resolve(c, params, "/specialties/"+sp.Slug+"/"+unitType.Plural())
		if err != nil {
			return err
		}
		q.Specialty = sp.Slug
		return s.sendRows(c, t, q, unitType, csvExt)
	}
}

// sendRows answers a collection query as JSON or CSV.
func (s *Server) sendRows(c echo.Context, t resource, q query, unitType outcome.UnitType, csvExt bool) error {
	asCSV := csvExt || q.CSV
	switch {
	case csvExt && q.formatGiven && !q.CSV:
		return badRequest(paramFormat, "the .csv URL gives CSV; use the URL without .csv for JSON")
	case !csvExt && !q.formatGiven:
		asCSV = prefersCSV(c.Request().Header.Get(echo.HeaderAccept))
	}
	if q.BOM && !asCSV {
		return badRequest(paramBOM, "a byte-order mark is for CSV; ask for .csv or format=csv")
	}
	if asCSV {
		return s.sendCSV(c, t, q, unitType)
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		limit := cmp.Or(q.Limit, defaultLimit)
		sel := t.rel.Select(q.selection(unitType, limit))
		rows := make([]unitRow, len(sel.Page))
		for i, idx := range sel.Page {
			rows[i] = toUnitRow(&t.rel.Rows[idx])
		}
		m := pageMeta{meta: newMeta(t.rel, sel.Count, sel.Periods), Limit: limit, Sort: q.Sort.String()}
		l := t.links()
		l.CSV = csvTwin(t)
		if sel.Next != nil {
			cur := encodeCursor(q.Sort, *sel.Next)
			m.NextCursor = &cur
			l.Next = t.url(false, url.Values{paramCursor: {cur}})
		}
		return envelope{Data: rows, Meta: m, Links: l}, l.Next, nil
	})
}

// csvTwin is the CSV form of a collection target.
func csvTwin(t resource) string {
	t.path += ".csv"
	return t.url(false, nil)
}

// prefersCSV reports whether an Accept header ranks text/csv above JSON.
func prefersCSV(accept string) bool {
	best, bestQ := "", -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		qv := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				qv = f
			}
		}
		if (mt == "text/csv" || mt == "application/json") && qv > bestQ {
			best, bestQ = mt, qv
		}
	}
	return best == "text/csv" && bestQ > 0
}

// sendCSV streams a collection as RFC 4180 CSV: a header row of the JSON
// keys, then the same rows in the same order as the JSON for the same
// query. Without a limit every matching row is written: rows go out as
// they are formatted, so no row cap is needed to bound memory.
func (s *Server) sendCSV(c echo.Context, t resource, q query, unitType outcome.UnitType) error {
	repr := "csv"
	if q.BOM {
		repr += "+bom"
	}
	gz := acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding))
	if cacheHeaders(c, t, repr, gz) {
		return nil
	}
	// A whole release's CSV is tens of megabytes written as fast as the
	// client reads: a bounded number are written at once.
	release, err := s.enter(c, s.streams)
	if err != nil {
		return err
	}
	defer release()
	sel := t.rel.Select(q.selection(unitType, q.Limit))
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8; header=present")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+csvFileName(t.rel.Meta.ID, q, unitType)+`"`)
	if sel.Next != nil {
		next := t.url(false, url.Values{paramCursor: {encodeCursor(q.Sort, *sel.Next)}})
		h.Set("Link", "<"+csvTwinURL(next)+`>; rel="next"`)
	}
	var w io.Writer = c.Response()
	if gz {
		h.Set(echo.HeaderContentEncoding, "gzip")
		zw := gzip.NewWriter(w)
		defer zw.Close()
		w = zw
	}
	c.Response().WriteHeader(http.StatusOK)
	if q.BOM {
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	if err := cw.Write(rowColumns); err != nil {
		return err
	}
	rec := make([]string, 0, len(rowColumns))
	ctx := c.Request().Context()
	for i, idx := range sel.Page {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err() // the client has gone: stop writing for nobody
		}
		u := toUnitRow(&t.rel.Rows[idx])
		rec = u.csvRecord(rec[:0])
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvTwinURL turns a collection URL into its .csv form.
func csvTwinURL(u string) string {
	p, rest, found := strings.Cut(u, "?")
	if found {
		rest = "?" + rest
	}
	return p + ".csv" + rest
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// csvFileName names a download after what it holds, e.g.
// demo-adult-cardiac-surgeons-2022-04-2025-03.csv.
func csvFileName(release string, q query, unitType outcome.UnitType) string {
	parts := []string{release}
	if q.Specialty != "" {
		parts = append(parts, q.Specialty)
	}
	if q.Procedure != "" {
		parts = append(parts, q.Procedure)
	}
	parts = append(parts, unitType.Plural())
	if q.Period != "" {
		parts = append(parts, q.Period)
	}
	return csvName(parts)
}

// csvName joins the parts of a download's name with hyphens, any
// character a file name should not hold made a hyphen too, and adds .csv.
func csvName(parts []string) string {
	name := unsafeFileChars.ReplaceAllString(strings.Join(parts, "-"), "-")
	return strings.Trim(name, "-.") + ".csv"
}

// unitRef names a unit.
type unitRef struct {
	UnitID   string `json:"unit_id" example:"ZZ101"`
	UnitName string `json:"unit_name" example:"Northmoor General Hospital"`
}

// surgeonDTO is one surgeon with all their results.
type surgeonDTO struct {
	UnitID      string    `json:"unit_id" example:"9000017"`
	UnitName    string    `json:"unit_name" example:"Mr Ashdown Quill"`
	Specialties []string  `json:"specialties"`
	Hospitals   []unitRef `json:"hospitals"`
	Results     []unitRow `json:"results"`
}

// hospitalDTO is one hospital with its results and surgeons.
type hospitalDTO struct {
	UnitID      string    `json:"unit_id" example:"ZZ101"`
	UnitName    string    `json:"unit_name" example:"Northmoor General Hospital"`
	Specialties []string  `json:"specialties"`
	Results     []unitRow `json:"results"`
	// Surgeons are those with results at this hospital; their rows are at
	// /api/v1/surgeons?hospital={id}.
	Surgeons []unitRef `json:"surgeons"`
}

// handleSurgeon answers GET /api/v1/surgeons/{id}.
//
//	@Summary		One surgeon
//	@Description	Every result of one surgeon in the release (each specialty, procedure and period), with their hospitals.
//	@Tags			surgeons
//	@Produce		json
//	@Param			id		path		string	true	"surgeon id (e.g. GMC number)"
//	@Param			release	query		string	false	"release id or latest (default)"
//	@Success		200		{object}	envelope{data=surgeonDTO,meta=meta}
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no such surgeon in the release"
//	@Router			/api/v1/surgeons/{id} [get]
func (s *Server) handleSurgeon(c echo.Context) error {
	id := c.Param("id")
	t, _, err := s.resolve(c, resourceParams, "/surgeons/"+url.PathEscape(id))
	if err != nil {
		return err
	}
	idx := t.rel.Surgeon(id)
	if len(idx) == 0 {
		return notFound("no surgeon %q in release %s", truncate(id), t.rel.Meta.ID)
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		r := t.rel
		d := surgeonDTO{UnitID: id, UnitName: r.Rows[idx[0]].UnitName, Specialties: []string{},
			Hospitals: []unitRef{}}
		var periods []string
		names := map[string]string{}
		for _, i := range idx {
			u := &r.Rows[i]
			d.Results = append(d.Results, toUnitRow(u))
			d.Specialties = appendDistinct(d.Specialties, u.Specialty)
			periods = appendDistinct(periods, u.Period)
			if u.HospitalID != "" {
				names[u.HospitalID] = u.HospitalName
			}
			for _, h := range r.RowHospitals(i) {
				if _, ok := names[h]; !ok {
					names[h] = r.HospitalName(h)
				}
			}
		}
		for h, name := range names {
			d.Hospitals = append(d.Hospitals, unitRef{UnitID: h, UnitName: name})
		}
		slices.SortFunc(d.Hospitals, func(a, b unitRef) int { return strings.Compare(a.UnitID, b.UnitID) })
		slices.Sort(periods)
		return envelope{Data: d, Meta: newMeta(r, len(d.Results), periods), Links: t.links()}, "", nil
	})
}

// handleHospital answers GET /api/v1/hospitals/{id}.
//
//	@Summary		One hospital
//	@Description	Every result of one hospital in the release, and the surgeons with results there.
//	@Tags			hospitals
//	@Produce		json
//	@Param			id		path		string	true	"hospital id (e.g. ODS code)"
//	@Param			release	query		string	false	"release id or latest (default)"
//	@Success		200		{object}	envelope{data=hospitalDTO,meta=meta}
//	@Failure		400		{object}	problem
//	@Failure		404		{object}	problem	"no such hospital in the release"
//	@Router			/api/v1/hospitals/{id} [get]
func (s *Server) handleHospital(c echo.Context) error {
	id := c.Param("id")
	t, _, err := s.resolve(c, resourceParams, "/hospitals/"+url.PathEscape(id))
	if err != nil {
		return err
	}
	r := t.rel
	own, surgeons := r.Hospital(id), r.AtHospital(id)
	if len(own) == 0 && len(surgeons) == 0 {
		return notFound("no hospital %q in release %s", truncate(id), r.Meta.ID)
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		d := hospitalDTO{UnitID: id, UnitName: r.HospitalName(id), Specialties: []string{},
			Results: []unitRow{}, Surgeons: []unitRef{}}
		var periods []string
		for _, i := range own {
			d.Results = append(d.Results, toUnitRow(&r.Rows[i]))
			d.Specialties = appendDistinct(d.Specialties, r.Rows[i].Specialty)
			periods = appendDistinct(periods, r.Rows[i].Period)
		}
		seen := map[string]bool{}
		for _, i := range surgeons {
			u := &r.Rows[i]
			d.Specialties = appendDistinct(d.Specialties, u.Specialty)
			if !seen[u.UnitID] {
				seen[u.UnitID] = true
				d.Surgeons = append(d.Surgeons, unitRef{UnitID: u.UnitID, UnitName: u.UnitName})
			}
		}
		slices.SortFunc(d.Surgeons, func(a, b unitRef) int {
			return cmp.Or(strings.Compare(catalog.Fold(a.UnitName), catalog.Fold(b.UnitName)), strings.Compare(a.UnitID, b.UnitID))
		})
		slices.Sort(periods)
		l := t.links()
		l.Next = ""
		return envelope{Data: d, Meta: newMeta(r, len(d.Results), periods), Links: l}, "", nil
	})
}
