package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/surgeon-outcomes/outcomes/catalog"
	"github.com/surgeon-outcomes/outcomes/outcome"
)

// Query parameters. Each endpoint accepts a whitelist of them; any other
// parameter is a 400, never silently ignored (PRODUCT.md § API).
const (
	paramSpecialty = "specialty"
	paramProcedure = "procedure"
	paramPeriod    = "period"
	paramHospital  = "hospital"
	paramBand      = "band"
	paramQ         = "q"
	paramMinCases  = "min_cases"
	paramSort      = "sort"
	paramCursor    = "cursor"
	paramLimit     = "limit"
	paramRelease   = "release"
	paramFormat    = "format"
	paramBOM       = "bom"
	paramUnitType  = "unit_type"
	paramSince     = "since"
	paramFacet     = "facet"
)

// Parameter whitelists by kind of endpoint.
var (
	collectionParams = []string{paramSpecialty, paramProcedure, paramPeriod, paramHospital, paramBand, paramQ,
		paramMinCases, paramSort, paramCursor, paramLimit, paramRelease, paramFormat, paramBOM, paramFacet}
	funnelParams   = []string{paramProcedure, paramPeriod, paramUnitType, paramRelease}
	resourceParams = []string{paramRelease}
	changesParams  = []string{paramSince, paramFormat, paramBOM}
)

const (
	defaultLimit = 100
	maxLimit     = 1000
	// maxValueLen bounds every text parameter: no real id, name or search
	// is longer, and it bounds the work a hostile query can ask for.
	maxValueLen = 200
	maxCursor   = 2048
)

// query is a request's parameters, parsed and checked.
type query struct {
	Specialty, Procedure, Period, Hospital string
	Bands                                  []string // sorted, distinct
	Q                                      string   // as given; matched folded
	MinCases                               int
	Sort                                   catalog.Sort
	Cursor                                 *catalog.Key
	cursor                                 string
	Limit                                  int // 0: not given
	Release                                string
	CSV                                    bool // format=csv
	NDJSON                                 bool // format=ndjson
	formatGiven                            bool
	Facets                                 []string // facet=, in the order given, distinct
	BOM                                    bool
	UnitType                               outcome.UnitType
	Since                                  string // a release id
}

// parseQuery checks v against the allowed parameters and parses their
// values. Every problem is reported, each naming its parameter.
func parseQuery(v url.Values, allowed []string) (query, error) {
	q := query{}
	var errs []paramError
	bad := func(param, format string, args ...any) {
		errs = append(errs, paramError{Param: param, Message: fmt.Sprintf(format, args...)})
	}
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		values := v[name]
		if !slices.Contains(allowed, name) {
			bad(truncate(name), "unknown parameter; this endpoint accepts %s", strings.Join(allowed, ", "))
			continue
		}
		if len(values) > 1 {
			bad(name, "given %d times; give it once", len(values))
			continue
		}
		val := values[0]
		limit := maxValueLen
		if name == paramCursor {
			limit = maxCursor
		}
		if msg := checkText(val, limit); msg != "" {
			bad(name, "%s", msg)
			continue
		}
		switch name {
		case paramSpecialty:
			if _, ok := outcome.LookupSpecialty(val); !ok {
				bad(name, "unknown specialty %q; see /api/v1/specialties", val)
			}
			q.Specialty = val
		case paramProcedure:
			q.Procedure = val
		case paramSince:
			q.Since = val
		case paramPeriod:
			q.Period = val
		case paramHospital:
			q.Hospital = val
		case paramBand:
			for b := range strings.SplitSeq(val, ",") {
				if _, ok := outcome.ParseBand(b); !ok {
					bad(name, "unknown band %q; bands are %s", b, strings.Join(bandCodes(), ", "))
					continue
				}
				if !slices.Contains(q.Bands, b) {
					q.Bands = append(q.Bands, b)
				}
			}
			slices.Sort(q.Bands)
		case paramQ:
			q.Q = strings.TrimSpace(val)
		case paramMinCases:
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				bad(name, "must be a whole number of cases, 0 or more")
			}
			q.MinCases = n
		case paramSort:
			s, ok := catalog.ParseSort(val)
			if !ok {
				bad(name, "unknown sort %q; sorts are %s, each ascending or with a leading - for descending",
					val, strings.Join(catalog.SortNames(), ", "))
			}
			q.Sort = s
		case paramCursor:
			q.cursor = val
		case paramLimit:
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > maxLimit {
				bad(name, "must be a whole number from 1 to %d", maxLimit)
			}
			q.Limit = n
		case paramRelease:
			q.Release = val
		case paramFormat:
			switch val {
			case "json":
			case "csv":
				q.CSV = true
			case "ndjson":
				q.NDJSON = true
			default:
				bad(name, "must be json, csv or ndjson")
			}
			q.formatGiven = true
		case paramBOM:
			if val != "0" && val != "1" {
				bad(name, "must be 0 or 1")
			}
			q.BOM = val == "1"
		case paramFacet:
			for f := range strings.SplitSeq(val, ",") {
				if !slices.Contains(catalog.FacetFields(), f) {
					bad(name, "unknown facet %q; facets are %s", f, strings.Join(catalog.FacetFields(), ", "))
					continue
				}
				if !slices.Contains(q.Facets, f) {
					q.Facets = append(q.Facets, f)
				}
			}
		case paramUnitType:
			t, err := outcome.ParseUnitType(val)
			if err != nil {
				bad(name, "must be %s or %s", outcome.Surgeon, outcome.Hospital)
			}
			q.UnitType = t
		}
	}
	if q.cursor != "" && len(errs) == 0 {
		k, err := decodeCursor(q.cursor, q.Sort)
		if err != nil {
			bad(paramCursor, "%v", err)
		}
		q.Cursor = k
	}
	if len(errs) > 0 {
		return query{}, &apiError{Status: http.StatusBadRequest, Detail: "the query has bad parameters", Errors: errs}
	}
	return q, nil
}

// checkText returns what is wrong with a parameter value, or "".
func checkText(s string, limit int) string {
	switch {
	case len(s) > limit:
		return fmt.Sprintf("longer than %d bytes", limit)
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "contains a control character"
	}
	return ""
}

// truncate shortens an unknown parameter's name before it is echoed.
func truncate(s string) string {
	if len(s) > 64 || !utf8.ValidString(s) {
		return strings.ToValidUTF8(s[:min(len(s), 64)], "") + "…"
	}
	return s
}

// bandCodes lists the band codes in order of concern.
func bandCodes() []string {
	var codes []string
	for _, w := range outcome.Bands() {
		codes = append(codes, string(w.Band))
	}
	return codes
}

// values writes the query back as parameters, normalised, for ETags,
// cache keys and links: two requests that mean the same get the same text.
func (q query) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set(paramSpecialty, q.Specialty)
	set(paramProcedure, q.Procedure)
	set(paramPeriod, q.Period)
	set(paramHospital, q.Hospital)
	set(paramBand, strings.Join(q.Bands, ","))
	set(paramQ, q.Q)
	if q.MinCases > 0 {
		set(paramMinCases, strconv.Itoa(q.MinCases))
	}
	if s := q.Sort.String(); s != (catalog.Sort{}).String() {
		set(paramSort, s)
	}
	set(paramCursor, q.cursor)
	if q.Limit > 0 {
		set(paramLimit, strconv.Itoa(q.Limit))
	}
	set(paramUnitType, string(q.UnitType))
	if q.BOM {
		set(paramBOM, "1")
	}
	return v
}

// encodeCursor makes the opaque cursor that resumes after k: the sort and
// the row's whole sort key, so the next page is found by key, not offset,
// and stays right even if the client pages slowly.
func encodeCursor(s catalog.Sort, k catalog.Key) string {
	num := ""
	if s.Numeric() {
		num = strconv.FormatFloat(k.Num, 'g', -1, 64)
	}
	b, _ := json.Marshal([]string{s.String(), num, k.Str, k.Name, k.UnitType, k.UnitID, k.Specialty,
		k.Procedure, k.Per})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, s catalog.Sort) (*catalog.Key, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, fmt.Errorf("not a cursor this API gave out")
	}
	var f []string
	if err := json.Unmarshal(b, &f); err != nil || len(f) != 9 {
		return nil, fmt.Errorf("not a cursor this API gave out")
	}
	if f[0] != s.String() {
		return nil, fmt.Errorf("the cursor belongs to sort=%s; keep the sort when paging", truncate(f[0]))
	}
	k := &catalog.Key{Str: f[2], Name: f[3], UnitType: f[4], UnitID: f[5], Specialty: f[6], Procedure: f[7], Per: f[8]}
	if s.Numeric() {
		if k.Num, err = strconv.ParseFloat(f[1], 64); err != nil {
			return nil, fmt.Errorf("not a cursor this API gave out")
		}
		if math.IsInf(k.Num, 0) {
			return nil, fmt.Errorf("not a cursor this API gave out")
		}
	}
	return k, nil
}

// selection is the catalog query for q's rows of one unit type, limit at
// most per page (below 1: every row after the cursor).
func (q query) selection(unitType outcome.UnitType, limit int) catalog.Query {
	return catalog.Query{UnitType: unitType, Specialty: q.Specialty, Procedure: q.Procedure, Period: q.Period,
		Hospital: q.Hospital, Bands: q.Bands, Q: q.Q, MinCases: q.MinCases, Sort: q.Sort, After: q.Cursor,
		Limit: limit, Facets: q.Facets}
}
