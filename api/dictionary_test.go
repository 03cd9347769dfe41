package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// openAPIProperty is one property of the OpenAPI document, as the tests
// read it.
type openAPIProperty struct {
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Enum        []string `json:"enum"`
	Unit        string   `json:"x-unit"`
	Nullable    bool     `json:"x-nullable"`
}

// openAPIDefinitions fetches the server's OpenAPI document and returns
// its definitions' properties.
func openAPIDefinitions(t *testing.T) map[string]map[string]openAPIProperty {
	t.Helper()
	srv := newServer(t, api.Config{})
	resp, body := get(t, srv, http.MethodGet, "/api/v1/openapi.json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json = %d", resp.StatusCode)
	}
	var doc struct {
		Definitions map[string]struct {
			Properties map[string]openAPIProperty `json:"properties"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	defs := map[string]map[string]openAPIProperty{}
	for name, d := range doc.Definitions {
		defs[name] = d.Properties
	}
	return defs
}

// codeLike finds what a description written for a Go programmer says and
// a journalist cannot read: section signs, the statistics document, Go
// package-qualified names and CamelCase identifiers.
var codeLike = regexp.MustCompile(`§|STATS\.md|\bapi\.|\bsite\.|\b[A-Za-z]*[a-z][A-Z][A-Za-z]*\b|\b[A-Z]{2,}[a-z]+\b`)

// TestOpenAPIFieldsDescribed holds every field of every schema in the
// OpenAPI document to a description a journalist can read: present, not
// a code comment, not the field's name again, saying its unit or scale
// where it is a number and when it is null where it can be, with its
// codes listed where it is a code.
func TestOpenAPIFieldsDescribed(t *testing.T) {
	defs := openAPIDefinitions(t)
	for _, name := range []string{"api.unitRow", "api.summaryRow", "api.funnelDTO", "api.pointDTO", "api.curveDTO",
		"api.pageMeta", "api.releaseDTO", "api.problem"} {
		if len(defs[name]) == 0 {
			t.Errorf("openapi.json has no definition %s, or it has no fields", name)
		}
	}
	codes := map[string]bool{"unit_type": true, "band": true, "since_band": true, "verdict": true, "scale": true,
		"target_source": true, "kind": true, "comparison": true, "interval_method": true}
	fields := 0
	for name, props := range defs {
		for field, p := range props {
			fields++
			d := p.Description
			switch {
			case strings.TrimSpace(d) == "":
				t.Errorf("%s.%s has no description", name, field)
			case codeLike.MatchString(d):
				t.Errorf("%s.%s's description reads like code (%q): %q", name, field, codeLike.FindString(d), d)
			case strings.EqualFold(strings.Trim(d, ". "), strings.ReplaceAll(field, "_", " ")):
				t.Errorf("%s.%s's description only restates its name: %q", name, field, d)
			}
			if p.Type == "number" && p.Unit == "" {
				t.Errorf("%s.%s is a number with no unit or scale (x-unit)", name, field)
			}
			if codes[field] && p.Type == "string" && len(p.Enum) == 0 {
				t.Errorf("%s.%s is a code with no values listed (enum)", name, field)
			}
			if p.Nullable && !strings.Contains(strings.ToLower(d), "null") {
				t.Errorf("%s.%s can be null and its description does not say when: %q", name, field, d)
			}
		}
	}
	t.Logf("%d schemas, %d fields", len(defs), fields)
}

// TestOpenAPIScalesExplained holds the proportions and the publisher's
// rates per 100 apart in words: every field on the proportion scale says
// "0 to 1", every published rate says "per 100".
func TestOpenAPIScalesExplained(t *testing.T) {
	defs := openAPIDefinitions(t)
	proportions := []string{"target", "rate", "ramr", "survival", "survival_low", "survival_high"}
	per100 := []string{"published_expected_rate", "published_rate", "published_low", "published_high"}
	row := defs["api.unitRow"]
	for _, f := range proportions {
		if p := row[f]; p.Unit != "proportion (0 to 1)" || !strings.Contains(p.Description, "0 to 1") {
			t.Errorf("unitRow.%s: unit %q, description %q; want a proportion from 0 to 1, said so", f, p.Unit, p.Description)
		}
	}
	for _, f := range per100 {
		if p := row[f]; p.Unit != "per 100" || !strings.Contains(p.Description, "per 100") {
			t.Errorf("unitRow.%s: unit %q, description %q; want per 100, said so", f, p.Unit, p.Description)
		}
	}
	if d := row["published_rate"].Description + row["published_expected_rate"].Description; !strings.Contains(d, "0 to 1") {
		t.Errorf("the published rates do not say how they differ from our proportions: %q", d)
	}
}

// dictionaryJSON is /api/v1/dictionary as the tests read it.
type dictionaryJSON struct {
	Data []struct {
		Name   string   `json:"name"`
		Title  string   `json:"title"`
		Where  []string `json:"where"`
		Fields []struct {
			Name        string   `json:"name"`
			Type        string   `json:"type"`
			Unit        string   `json:"unit"`
			Nullable    bool     `json:"nullable"`
			Description string   `json:"description"`
			Enum        []string `json:"enum"`
		} `json:"fields"`
	} `json:"data"`
	Meta struct {
		Count int `json:"count"`
	} `json:"meta"`
}

// TestDictionaryIsTheOpenAPIText holds /api/v1/dictionary to the OpenAPI
// document: each table lists exactly its schema's fields, with the same
// description (its white space made single spaces), unit, nullability
// and values; the rows table's fields are a real row's keys in their
// order; the CSV twin has the same fields.
func TestDictionaryIsTheOpenAPIText(t *testing.T) {
	defs := openAPIDefinitions(t)
	srv := newServer(t, api.Config{})
	resp, body := get(t, srv, http.MethodGet, "/api/v1/dictionary")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		t.Fatalf("GET /api/v1/dictionary = %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	var dict dictionaryJSON
	if err := json.Unmarshal(body, &dict); err != nil {
		t.Fatalf("dictionary: %v", err)
	}
	schemas := map[string]string{"rows": "api.unitRow", "summary": "api.summaryRow", "funnel": "api.funnelDTO",
		"funnel-points": "api.pointDTO", "funnel-curve": "api.curveDTO"}
	var names []string
	fields := 0
	for _, table := range dict.Data {
		names = append(names, table.Name)
		props := defs[schemas[table.Name]]
		var got []string
		for _, f := range table.Fields {
			fields++
			got = append(got, f.Name)
			p, ok := props[f.Name]
			if !ok {
				t.Errorf("dictionary %s lists %s, which %s does not have", table.Name, f.Name, schemas[table.Name])
				continue
			}
			if want := strings.Join(strings.Fields(p.Description), " "); f.Description != want || want == "" {
				t.Errorf("dictionary %s.%s says %q, the OpenAPI document %q", table.Name, f.Name, f.Description, want)
			}
			if f.Unit != p.Unit || f.Nullable != p.Nullable || !slices.Equal(f.Enum, p.Enum) && len(f.Enum)+len(p.Enum) > 0 {
				t.Errorf("dictionary %s.%s: unit %q nullable %v enum %v; OpenAPI %q %v %v", table.Name, f.Name,
					f.Unit, f.Nullable, f.Enum, p.Unit, p.Nullable, p.Enum)
			}
		}
		if len(got) != len(props) {
			t.Errorf("dictionary %s lists %d fields, %s has %d", table.Name, len(got), schemas[table.Name], len(props))
		}
	}
	if want := []string{"rows", "summary", "funnel", "funnel-points", "funnel-curve"}; !slices.Equal(names, want) {
		t.Fatalf("dictionary tables = %v, want %v", names, want)
	}
	if dict.Meta.Count != fields {
		t.Errorf("meta.count = %d, want %d fields", dict.Meta.Count, fields)
	}

	// The rows table is in the order of a real row's keys.
	_, rowBody := get(t, srv, http.MethodGet, "/api/v1/surgeons?limit=1")
	var rows struct{ Data []json.RawMessage }
	if err := json.Unmarshal(rowBody, &rows); err != nil || len(rows.Data) == 0 {
		t.Fatalf("GET /api/v1/surgeons?limit=1: %v, %d rows", err, len(rows.Data))
	}
	keys := objectKeys(t, rows.Data[0])
	var rowFields []string
	for _, f := range dict.Data[0].Fields {
		rowFields = append(rowFields, f.Name)
	}
	if !slices.Equal(rowFields, keys) {
		t.Errorf("dictionary rows = %v,\nwant a row's keys %v", rowFields, keys)
	}

	resp, body = get(t, srv, http.MethodGet, "/api/v1/dictionary.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("GET /api/v1/dictionary.csv = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("dictionary.csv: %v", err)
	}
	if want := []string{"table", "name", "type", "unit", "nullable", "description", "enum"}; !slices.Equal(recs[0], want) {
		t.Errorf("dictionary.csv header = %v, want %v", recs[0], want)
	}
	if len(recs)-1 != fields {
		t.Errorf("dictionary.csv has %d rows, want %d", len(recs)-1, fields)
	}
	for _, r := range recs[1:] {
		if r[0] == "rows" && r[1] == "survival" && r[5] != dict.Data[0].Fields[slices.Index(rowFields, "survival")].Description {
			t.Errorf("dictionary.csv survival says %q", r[5])
		}
	}
	if resp, _ := get(t, srv, http.MethodGet, "/api/v1/dictionary?"+url.Values{"table": {"rows"}}.Encode()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /api/v1/dictionary?table=rows = %d, want 400", resp.StatusCode)
	}
}

// TestDictionaryPage holds /data/dictionary to the dictionary: every
// field of every table in a table row with its description, the scales
// explained, linked from /data, and light enough for a phone.
func TestDictionaryPage(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, body := get(t, srv, http.MethodGet, "/api/v1/dictionary")
	var dict dictionaryJSON
	if err := json.Unmarshal(body, &dict); err != nil {
		t.Fatal(err)
	}
	resp, page := get(t, srv, http.MethodGet, "/data/dictionary")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /data/dictionary = %d", resp.StatusCode)
	}
	html := string(page)
	for _, table := range dict.Data {
		if !strings.Contains(html, `<h2 id="`+table.Name+`">`) {
			t.Errorf("page has no heading for table %s", table.Name)
		}
		for _, f := range table.Fields {
			esc := strings.NewReplacer("&", "&amp;", "'", "&#39;", `"`, "&#34;", "<", "&lt;", ">", "&gt;").Replace(f.Description)
			if !strings.Contains(html, `<th scope="row"><code>`+f.Name+`</code>`) || !strings.Contains(html, esc) {
				t.Errorf("page lacks %s.%s or its description", table.Name, f.Name)
			}
		}
	}
	for _, want := range []string{"proportions from 0 to 1", "per 100 operations", `href="/api/v1/dictionary"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page does not say %q", want)
		}
	}
	const limit = 100 << 10
	if len(page) > limit {
		t.Errorf("/data/dictionary weighs %d bytes, want under %d", len(page), limit)
	}
	if _, data := get(t, srv, http.MethodGet, "/data"); !bytes.Contains(data, []byte(`href="/data/dictionary"`)) {
		t.Errorf("/data does not link to /data/dictionary")
	}
}

// objectKeys lists a JSON object's keys in the order they are written.
func objectKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
