package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/site"
)

// dictionaryTable names a table of the data dictionary: the Go type whose
// JSON keys are its fields, in their order, and the OpenAPI definition
// whose descriptions explain them.
type dictionaryTable struct {
	name, title, about string
	where              []string
	row                any    // a value of the row's Go type
	definition         string // its definition in the OpenAPI document
}

// dictionaryTables are the tables a journalist downloads: the results'
// rows, the national summary's and a funnel's.
var dictionaryTables = []dictionaryTable{
	{name: "rows", title: "Surgeons' and hospitals' results",
		about: "One row is one surgeon's or hospital's result in one comparison: a specialty, procedure and period.",
		where: []string{"/api/v1/surgeons", "/api/v1/hospitals", "/api/v1/specialties/{slug}/surgeons"},
		row:   unitRow{}, definition: "api.unitRow"},
	{name: "summary", title: "National summary",
		about: "One row is one funnel plot (a specialty, procedure, period and surgeons or hospitals), summed up.",
		where: []string{"/api/v1/summary"},
		row:   summaryRow{}, definition: "api.summaryRow"},
	{name: "funnel", title: "Funnel plot",
		about: "One funnel plot: its summary, with each unit's dot (points) and the limit lines (curve).",
		where: []string{"/api/v1/specialties/{slug}/funnel"},
		row:   funnelDTO{}, definition: "api.funnelDTO"},
	{name: "funnel-points", title: "Funnel plot: points",
		about: "One dot on a funnel plot: a surgeon or hospital.",
		where: []string{"/api/v1/specialties/{slug}/funnel (points)"},
		row:   pointDTO{}, definition: "api.pointDTO"},
	{name: "funnel-curve", title: "Funnel plot: limit lines",
		about: "The funnel's four limits at one size.",
		where: []string{"/api/v1/specialties/{slug}/funnel (curve)"},
		row:   curveDTO{}, definition: "api.curveDTO"},
}

// dictionaryColumns are the dictionary CSV's columns.
var dictionaryColumns = []string{"table", "name", "type", "unit", "nullable", "description", "enum"}

// openAPIProperty is what the dictionary reads of one property of the
// OpenAPI document.
type openAPIProperty struct {
	Type        string   `json:"type"`
	Ref         string   `json:"$ref"`
	Description string   `json:"description"`
	Enum        []string `json:"enum"`
	Unit        string   `json:"x-unit"`
	Nullable    bool     `json:"x-nullable"`
}

// buildDictionary reads the fields' descriptions from the OpenAPI
// document, so that the dictionary says exactly what the API's
// documentation says, and orders them as the JSON and CSV do.
func buildDictionary(doc []byte) ([]site.DictionaryTable, error) {
	var d struct {
		Definitions map[string]struct {
			Properties map[string]openAPIProperty `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("dictionary: reading the OpenAPI document: %w", err)
	}
	tables := make([]site.DictionaryTable, 0, len(dictionaryTables))
	for _, t := range dictionaryTables {
		def, ok := d.Definitions[t.definition]
		if !ok {
			return nil, fmt.Errorf("dictionary: no definition %s in the OpenAPI document (run make docs)", t.definition)
		}
		table := site.DictionaryTable{Name: t.name, Title: t.title, About: t.about, Where: t.where}
		for _, name := range jsonKeys(reflect.TypeOf(t.row)) {
			p, ok := def.Properties[name]
			if !ok {
				return nil, fmt.Errorf("dictionary: %s has no field %s (run make docs)", t.definition, name)
			}
			typ := p.Type
			if typ == "" {
				typ = "object"
			}
			table.Fields = append(table.Fields, site.DictionaryField{Name: name, Type: typ, Unit: p.Unit,
				Nullable: p.Nullable, Description: strings.Join(strings.Fields(p.Description), " "),
				Enum: append([]string{}, p.Enum...)})
		}
		tables = append(tables, table)
	}
	return tables, nil
}

// jsonKeys lists a struct type's JSON keys in the order encoding/json
// writes them, embedded structs' keys in their place.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			keys = append(keys, jsonKeys(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// dictionaryResponses are the dictionary's two answers, made once: it
// changes only with the binary.
type dictionaryResponses struct {
	tables    []site.DictionaryTable
	json, csv *cached
}

// newDictionary builds the dictionary from the OpenAPI document and
// renders it as JSON ({data, meta, links}, with no release, as it holds
// none) and as CSV, one row a field.
func newDictionary(doc []byte, started time.Time) (*dictionaryResponses, error) {
	tables, err := buildDictionary(doc)
	if err != nil {
		return nil, err
	}
	fields := 0
	for _, t := range tables {
		fields += len(t.Fields)
	}
	body, err := json.Marshal(map[string]any{"data": tables,
		"meta":  map[string]any{"count": fields, "methodology_url": "/methodology"},
		"links": links{Self: "/api/v1/dictionary", CSV: "/api/v1/dictionary.csv", Docs: "/api/docs/"}})
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(dictionaryColumns)
	for _, t := range tables {
		for _, f := range t.Fields {
			w.Write([]string{t.Name, f.Name, f.Type, f.Unit, strconv.FormatBool(f.Nullable), f.Description,
				strings.Join(f.Enum, " ")})
		}
	}
	w.Flush()
	made := func(body []byte, contentType string) *cached {
		sum := sha256.Sum256(body)
		return &cached{body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, cacheControl: "public, max-age=300",
			lastModified: started.UTC().Format(http.TimeFormat), contentType: contentType}
	}
	return &dictionaryResponses{tables: tables, json: made(body, echo.MIMEApplicationJSON),
		csv: made(b.Bytes(), "text/csv; charset=utf-8")}, nil
}

// handleDictionary answers GET /api/v1/dictionary and its .csv twin.
//
//	@Summary		Data dictionary
//	@Description	Every field of the results' rows (/surgeons, /hospitals), the national summary and the funnel plots: its name (the JSON key and CSV column), type, unit or scale, whether it can be null (an empty CSV cell), what it means and, for a code, its values. The descriptions are the ones this documentation gives each field. Our rates are proportions from 0 to 1; the publisher's own figures (published_*) are per 100 operations. The same URL with .csv gives one CSV row a field: table, name, type, unit, nullable, description, enum (values separated by spaces). The page /data/dictionary shows the same.
//	@Tags			index
//	@Produce		json
//	@Produce		text/csv
//	@Success		200	{object}	envelope{data=[]site.DictionaryTable}
//	@Router			/api/v1/dictionary [get]
//	@Router			/api/v1/dictionary.csv [get]
func (s *Server) handleDictionary(asCSV bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		for p := range c.QueryParams() {
			return badRequest(p, "the dictionary takes no parameters")
		}
		if asCSV {
			c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="dictionary.csv"`)
			return writeCached(c, s.dictionary.csv)
		}
		return writeCached(c, s.dictionary.json)
	}
}
