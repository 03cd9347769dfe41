package api_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/surgeon-outcomes/outcomes/api"
)

// TestSiteUnitTypeParam holds the site to the API's name for the unit
// type: ?unit_type= picks hospitals on the specialty page and its
// funnel image, the older ?unit= still does (old links keep working),
// and the page's own form and links use unit_type.
func TestSiteUnitTypeParam(t *testing.T) {
	srv := newServer(t, api.Config{})
	_, surgeons := get(t, srv, http.MethodGet, "/specialties/adult-cardiac?unit_type=surgeon")
	resp, hospitals := get(t, srv, http.MethodGet, "/specialties/adult-cardiac?unit_type=hospital")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(hospitals, []byte(`data-unit-id="ZZ1`)) ||
		bytes.Contains(surgeons, []byte(`data-unit-id="ZZ1`)) {
		t.Fatalf("?unit_type=hospital = %d, or it does not show hospitals where ?unit_type=surgeon shows surgeons", resp.StatusCode)
	}
	_, legacy := get(t, srv, http.MethodGet, "/specialties/adult-cardiac?unit=hospital")
	if !bytes.Equal(legacy, hospitals) {
		t.Errorf("?unit=hospital differs from ?unit_type=hospital")
	}
	for _, want := range []string{`<select id="unit_type" name="unit_type">`, `name="unit_type" value="hospital"`} {
		if !bytes.Contains(hospitals, []byte(want)) {
			t.Errorf("specialty page lacks %s", want)
		}
	}
	if bytes.Contains(hospitals, []byte("unit=hospital")) || bytes.Contains(hospitals, []byte(`name="unit"`)) {
		t.Errorf("specialty page still names the parameter unit")
	}
	_, img := get(t, srv, http.MethodGet, "/specialties/adult-cardiac/funnel.svg?unit_type=hospital")
	_, oldImg := get(t, srv, http.MethodGet, "/specialties/adult-cardiac/funnel.svg?unit=hospital")
	_, surgeonImg := get(t, srv, http.MethodGet, "/specialties/adult-cardiac/funnel.svg")
	if !bytes.Equal(img, oldImg) || bytes.Equal(img, surgeonImg) {
		t.Errorf("funnel.svg: ?unit_type=hospital and ?unit=hospital differ, or both draw the surgeons")
	}
}
