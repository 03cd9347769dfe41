package api

import (
	"cmp"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
	"github.com/surgeon-outcomes/outcomes/site"
)

// handleUnits answers GET /api/v1/surgeons and /api/v1/hospitals, and
// their .csv twins.
//
//	@Summary		Surgeons' results
//	@Description	Every surgeon's result in every comparison group of the release (one row per surgeon, specialty, procedure and period), filtered, sorted and paged. The same URL with .csv, ?format=csv or Accept: text/csv gives the same rows in the same order as CSV (RFC 4180, UTF-8, CRLF; null = empty cell; a CSV without limit streams every matching row) with the columns unit_type, unit_id, unit_name, specialty, procedure, period, outcome, hospital_id, hospital_name, hospital_count, aggregated, cases, events, expected, target, risk_adjusted, scale, rate, ratio, ramr, survival, survival_low, survival_high, ci_low, ci_high, lower_95, upper_95, lower_998, upper_998, band, verdict, p_high, p_low, detectable_ratio, funnel_x, funnel_y, published_expected_rate, published_rate, published_low, published_high, published_rating, shrunk_ratio, shrunk_low, shrunk_high, reliability, q_value, power_2x, power_1_5x, detectable_ratio_80 (the JSON keys; /api/v1/dictionary says what each means). Paging is by an opaque keyset cursor (meta.next_cursor, links.next, Link header).
//	@Tags			surgeons
//	@Produce		json
//	@Produce		text/csv
//	@Produce		application/x-ndjson
//	@Param			specialty	query		string	false	"specialty slug"
//	@Param			procedure	query		string	false	"procedure slug"
//	@Param			period		query		string	false	"period, as in the release, or latest: each specialty's newest (one count per operation where periods overlap)"
//	@Param			hospital	query		string	false	"hospital id: surgeons with results there"
//	@Param			band		query		string	false	"band codes, comma-separated"
//	@Param			q			query		string	false	"words that begin a word of the unit's name, id, hospitals or specialty, in any order (case and accents ignored), as the search page finds them"
//	@Param			min_cases	query		int		false	"at least this many cases"
//	@Param			sort		query		string	false	"name (default), unit_id, hospital, specialty, period, cases, events, expected, ratio, ramr, survival, p_high, p_low or band; a leading - sorts descending"
//	@Param			cursor		query		string	false	"meta.next_cursor of the previous page"
//	@Param			limit		query		int		false	"rows per page, 1 to 1000 (default 100; CSV: all)"
//	@Param			release		query		string	false	"release id or latest (default)"
//	@Param			format		query		string	false	"json (default), csv or ndjson (one JSON row a line, every matching row)"	Enums(json, csv, ndjson)
//	@Param			facet		query		string	false	"fields to count the matches by, comma-separated: band, specialty, hospital, period (meta.facets)"
//	@Param			bom			query		int		false	"1: start the CSV with a UTF-8 byte-order mark, for Excel"	Enums(0, 1)
//	@Success		200			{object}	envelope{data=[]unitRow,meta=pageMeta}
//	@Header			200			{string}	Link	"the next page: <URL>; rel=next"
//	@Failure		400			{object}	problem
//	@Failure		404			{object}	problem	"no such release"
//	@Failure		429			{object}	problem
//	@Failure		503			{object}	problem	"CSV only: too many downloads at once; retry after Retry-After seconds"
//	@Router			/api/v1/surgeons [get]
//	@Router			/api/v1/surgeons.csv [get]
//	@Router			/api/v1/surgeons.ndjson [get]
func (s *Server) handleUnits(unitType outcome.UnitType, ext twin) echo.HandlerFunc {
	path := "/" + unitType.Plural()
	return func(c echo.Context) error {
		t, q, err := s.resolve(c, collectionParams, path)
		if err != nil {
			return err
		}
		return s.sendRows(c, t, q, unitType, ext)
	}
}

// handleHospitalUnits answers GET /api/v1/hospitals and its twins: the
// hospitals' collection, as handleUnits gives it, under its own tag.
//
//	@Summary		Hospitals' results
//	@Description	As /api/v1/surgeons, for hospitals: every hospital's result in every comparison group of the release (one row per hospital, specialty, procedure and period), filtered, sorted and paged, with the same parameters, CSV and NDJSON twins and columns.
//	@Tags			hospitals
//	@Produce		json
//	@Produce		text/csv
//	@Produce		application/x-ndjson
//	@Param			specialty	query		string	false	"specialty slug"
//	@Param			procedure	query		string	false	"procedure slug"
//	@Param			period		query		string	false	"period, as in the release, or latest: each specialty's newest (one count per operation where periods overlap)"
//	@Param			hospital	query		string	false	"hospital id: that hospital's rows"
//	@Param			band		query		string	false	"band codes, comma-separated"
//	@Param			q			query		string	false	"words that begin a word of the unit's name, id, hospitals or specialty, in any order (case and accents ignored), as the search page finds them"
//	@Param			min_cases	query		int		false	"at least this many cases"
//	@Param			sort		query		string	false	"name (default), unit_id, hospital, specialty, period, cases, events, expected, ratio, ramr, survival, p_high, p_low or band; a leading - sorts descending"
//	@Param			cursor		query		string	false	"meta.next_cursor of the previous page"
//	@Param			limit		query		int		false	"rows per page, 1 to 1000 (default 100; CSV: all)"
//	@Param			release		query		string	false	"release id or latest (default)"
//	@Param			format		query		string	false	"json (default), csv or ndjson (one JSON row a line, every matching row)"	Enums(json, csv, ndjson)
//	@Param			facet		query		string	false	"fields to count the matches by, comma-separated: band, specialty, hospital, period (meta.facets)"
//	@Param			bom			query		int		false	"1: start the CSV with a UTF-8 byte-order mark, for Excel"	Enums(0, 1)
//	@Success		200			{object}	envelope{data=[]unitRow,meta=pageMeta}
//	@Header			200			{string}	Link	"the next page: <URL>; rel=next"
//	@Failure		400			{object}	problem
//	@Failure		404			{object}	problem	"no such release"
//	@Failure		429			{object}	problem
//	@Failure		503			{object}	problem	"CSV only: too many downloads at once; retry after Retry-After seconds"
//	@Router			/api/v1/hospitals [get]
//	@Router			/api/v1/hospitals.csv [get]
//	@Router			/api/v1/hospitals.ndjson [get]
func (s *Server) handleHospitalUnits(ext twin) echo.HandlerFunc {
	return s.handleUnits(outcome.Hospital, ext)
}

// handleSpecialtyUnits answers GET /api/v1/specialties/{slug}/surgeons and
// /hospitals, and their .csv twins: the collection with the specialty fixed.
//
//	@Summary		A specialty's surgeons or hospitals
//	@Description	As /surgeons and /hospitals, with the specialty fixed by the path.
//	@Tags			specialties
//	@Produce		json
//	@Produce		text/csv
//	@Produce		application/x-ndjson
//	@Param			slug		path		string	true	"specialty slug"
//	@Param			procedure	query		string	false	"procedure slug"
//	@Param			period		query		string	false	"period, as in the release, or latest: each specialty's newest (one count per operation where periods overlap)"
//	@Param			hospital	query		string	false	"hospital id"
//	@Param			band		query		string	false	"band codes, comma-separated"
//	@Param			q			query		string	false	"words that begin a word of the unit's name, id, hospitals or specialty, in any order (case and accents ignored), as the search page finds them"
//	@Param			min_cases	query		int		false	"at least this many cases"
//	@Param			sort		query		string	false	"sort field, - for descending"
//	@Param			cursor		query		string	false	"meta.next_cursor of the previous page"
//	@Param			limit		query		int		false	"rows per page, 1 to 1000 (default 100; CSV: all)"
//	@Param			release		query		string	false	"release id or latest (default)"
//	@Param			format		query		string	false	"json (default), csv or ndjson (one JSON row a line, every matching row)"	Enums(json, csv, ndjson)
//	@Param			facet		query		string	false	"fields to count the matches by, comma-separated: band, specialty, hospital, period (meta.facets)"
//	@Param			bom			query		int		false	"1: UTF-8 byte-order mark"	Enums(0, 1)
//	@Success		200			{object}	envelope{data=[]unitRow,meta=pageMeta}
//	@Failure		400			{object}	problem
//	@Failure		404			{object}	problem	"no such specialty or release"
//	@Failure		503			{object}	problem	"CSV only: too many downloads at once; retry after Retry-After seconds"
//	@Router			/api/v1/specialties/{slug}/surgeons [get]
//	@Router			/api/v1/specialties/{slug}/surgeons.csv [get]
//	@Router			/api/v1/specialties/{slug}/surgeons.ndjson [get]
//	@Router			/api/v1/specialties/{slug}/hospitals [get]
//	@Router			/api/v1/specialties/{slug}/hospitals.csv [get]
//	@Router			/api/v1/specialties/{slug}/hospitals.ndjson [get]
func (s *Server) handleSpecialtyUnits(unitType outcome.UnitType, ext twin) echo.HandlerFunc {
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
		return s.sendRows(c, t, q, unitType, ext)
	}
}

// twin is a collection URL's ending, which fixes what it answers in.
type twin string

const (
	asAsked    twin = ""        // JSON, or CSV where ?format= or Accept asks for it
	csvTwin    twin = ".csv"    // CSV
	ndjsonTwin twin = ".ndjson" // one JSON row a line
)

// sendRows answers a collection query as JSON, CSV or NDJSON.
func (s *Server) sendRows(c echo.Context, t resource, q query, unitType outcome.UnitType, ext twin) error {
	switch {
	case ext == csvTwin && q.formatGiven && !q.CSV:
		return badRequest(paramFormat, "the .csv URL gives CSV; use the URL without .csv for JSON")
	case ext == ndjsonTwin && q.formatGiven && !q.NDJSON:
		return badRequest(paramFormat, "the .ndjson URL gives NDJSON; use the URL without .ndjson for JSON")
	case ext == csvTwin:
		q.CSV = true
	case ext == ndjsonTwin:
		q.NDJSON = true
	case !q.formatGiven:
		q.CSV = prefersCSV(c.Request().Header.Get(echo.HeaderAccept))
	}
	if q.BOM && !q.CSV {
		return badRequest(paramBOM, "a byte-order mark is for CSV; ask for .csv or format=csv")
	}
	if len(q.Facets) > 0 && (q.CSV || q.NDJSON) {
		return badRequest(paramFacet, "facets are counted in the JSON's meta; ask for JSON")
	}
	if q.CSV || q.NDJSON {
		return s.sendStream(c, t, q, unitType)
	}
	return s.sendJSON(c, t, func() (any, string, error) {
		limit := cmp.Or(q.Limit, defaultLimit)
		sel := t.rel.Select(q.selection(unitType, limit))
		rows := make([]unitRow, len(sel.Page))
		for i, idx := range sel.Page {
			rows[i] = toUnitRow(&t.rel.Rows[idx])
		}
		m := pageMeta{meta: newMeta(t.rel, sel.Count, sel.Periods), Limit: limit, Sort: q.Sort.String(),
			Note: overlapNote(sel.Periods), Facets: toFacets(sel.Facets)}
		l := t.links()
		l.CSV, l.NDJSON = twinURL(t, csvTwin), twinURL(t, ndjsonTwin)
		if sel.Next != nil {
			cur := encodeCursor(q.Sort, *sel.Next)
			m.NextCursor = &cur
			l.Next = t.url(false, url.Values{paramCursor: {cur}})
		}
		return envelope{Data: rows, Meta: m, Links: l}, l.Next, nil
	})
}

// overlapNote warns a reader of rows from periods that overlap, which
// count the same operations in each: a total over them counts some
// twice.
func overlapNote(periods []string) string {
	var overlapping []string
	for i, a := range periods {
		for _, b := range periods[i+1:] {
			if outcome.PeriodsOverlap(a, b) {
				overlapping = appendDistinct(appendDistinct(overlapping, a), b)
			}
		}
	}
	if len(overlapping) == 0 {
		return ""
	}
	slices.Sort(overlapping)
	return "These rows come from periods that overlap (" + strings.Join(overlapping, ", ") + "): " +
		"the same operations are counted in each, so a total over them counts some twice. " +
		"Add period=latest for each specialty's newest period, or name one period."
}

// toFacets writes a selection's facets as meta.facets.
func toFacets(facets []catalog.Facet) map[string]facetDTO {
	if len(facets) == 0 {
		return nil
	}
	out := make(map[string]facetDTO, len(facets))
	for _, f := range facets {
		d := facetDTO{Values: make([]facetValueDTO, len(f.Values)), Truncated: f.Truncated}
		for i, v := range f.Values {
			d.Values[i] = facetValueDTO{Value: v.Value, Count: v.Count}
			if f.Field == "band" {
				d.Values[i].Label = bandLabel(outcome.Band(v.Value))
			}
		}
		out[f.Field] = d
	}
	return out
}

// twinURL is the URL of a collection target's CSV or NDJSON form.
func twinURL(t resource, ext twin) string {
	t.path += string(ext)
	return t.url(false, nil)
}

// prefersCSV reports whether an Accept header ranks text/csv above JSON.
func prefersCSV(accept string) bool {
	return preferredType(accept, "text/csv", echo.MIMEApplicationJSON) == "text/csv"
}

// preferredType is the one of offered that an Accept header prefers: the
// highest q above 0, the first listed of equals; "" when it names none
// (no header, or */* alone).
func preferredType(accept string, offered ...string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || !slices.Contains(offered, mt) {
			continue
		}
		qv := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				qv = f
			}
		}
		if qv > bestQ {
			best, bestQ = mt, qv
		}
	}
	return best
}

// sendStream streams a collection as RFC 4180 CSV (a header row of the
// JSON keys) or as NDJSON (one JSON row a line, as the JSON's data holds
// it): the same rows in the same order as the JSON for the same query.
// Without a limit every matching row is written: rows go out as they are
// formatted, so no row cap is needed to bound memory.
func (s *Server) sendStream(c echo.Context, t resource, q query, unitType outcome.UnitType) error {
	repr, ext, contentType := "csv", csvTwin, "text/csv; charset=utf-8; header=present"
	if q.NDJSON {
		repr, ext, contentType = "ndjson", ndjsonTwin, "application/x-ndjson"
	}
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
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+downloadFileName(t.rel.Meta.ID, q, unitType, ext)+`"`)
	if sel.Next != nil {
		next := t.url(false, url.Values{paramCursor: {encodeCursor(q.Sort, *sel.Next)}})
		h.Set("Link", "<"+twinOf(next, ext)+`>; rel="next"`)
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
	write := newRowWriter(w, q.NDJSON)
	ctx := c.Request().Context()
	for i, idx := range sel.Page {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err() // the client has gone: stop writing for nobody
		}
		if err := write.row(toUnitRow(&t.rel.Rows[idx])); err != nil {
			return err
		}
	}
	return write.flush()
}

// rowWriter writes a collection's rows one at a time, as CSV or NDJSON.
type rowWriter struct {
	csv  *csv.Writer // nil for NDJSON
	json *json.Encoder
	rec  []string
}

// newRowWriter starts a CSV with its header, or an NDJSON stream.
func newRowWriter(w io.Writer, ndjson bool) *rowWriter {
	if ndjson {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return &rowWriter{json: enc}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true    // RFC 4180
	cw.Write(rowColumns) // an error sticks to cw: flush reports it
	return &rowWriter{csv: cw, rec: make([]string, 0, len(rowColumns))}
}

func (rw *rowWriter) row(u unitRow) error {
	if rw.csv == nil {
		return rw.json.Encode(u) // one line, with its newline
	}
	rw.rec = u.csvRecord(rw.rec[:0])
	return rw.csv.Write(rw.rec)
}

func (rw *rowWriter) flush() error {
	if rw.csv == nil {
		return nil
	}
	rw.csv.Flush()
	return rw.csv.Error()
}

// twinOf turns a collection URL into its .csv or .ndjson form.
func twinOf(u string, ext twin) string {
	p, rest, found := strings.Cut(u, "?")
	if found {
		rest = "?" + rest
	}
	return p + string(ext) + rest
}

// downloadFileName names a download after what it holds, every filter in
// the order a reader says it, e.g.
// demo-adult-cardiac-surgeons-at-ZZ101-high_alarm-2022-04-2025-03.csv:
// two files of one release saved side by side share a name only when
// they hold the same rows (or a long search's end is all that differs).
func downloadFileName(release string, q query, unitType outcome.UnitType, ext twin) string {
	parts := []string{release}
	if q.Specialty != "" {
		parts = append(parts, q.Specialty)
	}
	if q.Procedure != "" {
		parts = append(parts, q.Procedure)
	}
	parts = append(parts, unitType.Plural())
	if q.Hospital != "" {
		parts = append(parts, "at", q.Hospital)
	}
	parts = append(parts, q.Bands...)
	if q.MinCases > 0 {
		parts = append(parts, "min", strconv.Itoa(q.MinCases), "cases")
	}
	if q.Q != "" {
		// A search is cut to fit, so that the period after it stays.
		parts = append(parts, "matching", q.Q[:min(len(q.Q), maxFileNameSearch)])
	}
	if q.Period != "" {
		parts = append(parts, q.Period)
	}
	return fileName(parts, ext)
}

// fileName names a download (site.DownloadName, the one rule for the
// site's and the API's) with a collection's extension.
func fileName(parts []string, ext twin) string {
	return site.DownloadName(parts, strings.TrimPrefix(string(ext), "."))
}

// maxFileNameSearch bounds the part of a download's name a search takes.
const maxFileNameSearch = 40

// unitRef names a unit.
type unitRef struct {
	// The surgeon's or hospital's register id.
	UnitID string `json:"unit_id" example:"ZZ101"`
	// The surgeon's or hospital's name.
	UnitName string `json:"unit_name" example:"Northmoor General Hospital"`
}

// surgeonDTO is one surgeon with all their results.
type surgeonDTO struct {
	// The surgeon's register id (such as a GMC number).
	UnitID string `json:"unit_id" example:"9000017"`
	// The surgeon's name.
	UnitName string `json:"unit_name" example:"Mr Ashdown Quill"`
	// The short codes of the specialties the surgeon has results in.
	Specialties []string `json:"specialties"`
	// The hospitals the surgeon's results come from.
	Hospitals []unitRef `json:"hospitals"`
	// The surgeon's results, one row each.
	Results []unitRow `json:"results"`
}

// hospitalDTO is one hospital with its results and surgeons.
type hospitalDTO struct {
	// The hospital's code (such as an ODS code).
	UnitID string `json:"unit_id" example:"ZZ101"`
	// The hospital's name.
	UnitName string `json:"unit_name" example:"Northmoor General Hospital"`
	// The short codes of the specialties the hospital has results in.
	Specialties []string `json:"specialties"`
	// The hospital's own results, one row each.
	Results []unitRow `json:"results"`
	// The surgeons with results at this hospital; their rows are at
	// /api/v1/surgeons?hospital= with the hospital's code.
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
