package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestBidiNames: a name with a right-to-left override (U+202E), which
// would make "Dr Smith\u202Eevil" read "Dr Smithlive" and reorder the
// words after it, is served without it on every page and in the API,
// because ingest strips it; and every page that shows a name (the surgeon
// and hospital headings, tables, lists and search results) wraps it in
// <bdi>, so a right-to-left name cannot reorder the words after it either.
func TestBidiNames(t *testing.T) {
	const arabic = "د. سارة"
	const hospital = "مستشفى الشمال"
	input := "specialty,procedure,period,unit_type,unit_id,unit_name,hospital_id,hospital_name,cases,events,expected\n" +
		"vascular,aaa,2024,surgeon,9000001,Dr Smith\u202Eevil,ZZ1," + hospital + "\u202E,120,4,3.1\n" +
		"vascular,aaa,2024,surgeon,9000002," + arabic + ",ZZ1," + hospital + "\u202E,90,2,2.4\n" +
		"vascular,aaa,2024,surgeon,9000002," + arabic + ",ZZ2,Southmoor,10,0,0.3\n" +
		"vascular,aaa,2024,surgeon,9000003,Dr Plain,ZZ2,Southmoor,150,3,4.0\n"
	srv := newServerOn(t, ingestCSV(t, "bidi", input), api.Config{})
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/surgeons/9000001", []string{"<h1><bdi>Dr Smithevil</bdi></h1>", "><bdi>" + hospital + "</bdi></a>"}},
		{"/surgeons/9000002", []string{"<h1><bdi>" + arabic + "</bdi></h1>"}},
		{"/hospitals/ZZ1", []string{"<h1><bdi>" + hospital + "</bdi></h1>"}},
		{"/hospitals", []string{"><bdi>" + hospital + "</bdi></a> <span"}},
		{"/search?q=" + url.QueryEscape("سارة"), []string{"><bdi>" + arabic + "</bdi></a> <span"}},
		{"/search?q=smith", []string{"><bdi>Dr Smithevil</bdi></a> <span"}},
		{"/specialties/vascular?procedure=aaa&period=2024", []string{"<td><bdi>" + hospital + "</bdi> and others"}},
		{"/compare?ids=9000001,9000002", nil},
		{"/api/v1/surgeons", []string{`"Dr Smithevil"`}},
		{"/api/v1/surgeons.csv", []string{",Dr Smithevil,"}},
	} {
		resp, body := get(t, srv, http.MethodGet, tc.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", tc.path, resp.StatusCode)
			continue
		}
		page := string(body)
		if strings.ContainsRune(page, '\u202E') {
			t.Errorf("GET %s: the body holds U+202E", tc.path)
		}
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("GET %s: no %q in the body", tc.path, w)
			}
		}
	}
}
