package site

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/surgeon-outcomes/outcomes/catalog"
)

// hospitalsPage is the hospital index: every hospital A–Z, grouped by the
// first letter of its name, so a reader on a phone can jump to a letter
// rather than scroll past thirty names.
type hospitalsPage struct {
	Letters []hospitalLetter
	Count   int
}

// hospitalLetter is the hospitals whose names begin with one letter.
type hospitalLetter struct {
	Letter    string
	Anchor    string // the id of its heading
	Hospitals []catalog.HospitalEntry
}

// HandleHospitals answers GET /hospitals: every hospital in the latest
// release, A–Z (catalog.Release.Hospitals), each with the specialties it
// has results in and its number of surgeons.
func (s *Site) HandleHospitals(c echo.Context) error {
	r, err := s.releaseOr404(c)
	if err != nil {
		return err
	}
	var d hospitalsPage
	for _, h := range r.Hospitals() {
		letter := indexLetter(h.Name)
		if n := len(d.Letters); n == 0 || d.Letters[n-1].Letter != letter {
			anchor := "letter-" + strings.ToLower(letter)
			if letter == "#" {
				anchor = "letter-other"
			}
			d.Letters = append(d.Letters, hospitalLetter{Letter: letter, Anchor: anchor})
		}
		l := &d.Letters[len(d.Letters)-1]
		l.Hospitals = append(l.Hospitals, h)
		d.Count++
	}
	return s.render(c, http.StatusOK, "hospitals", page{Title: "Hospitals A–Z", Section: "hospitals",
		Description: "Every hospital with published results, A–Z, with the specialties each reports.",
		Data:        &d, JSON: "/api/v1/hospitals", CSV: "/api/v1/hospitals.csv"})
}

// indexLetter is the letter a name is filed under in an A–Z index: its
// first letter without accents, upper case, or # when it begins with
// something else. It follows catalog.Fold, the order the index is in.
func indexLetter(name string) string { return firstLetter(catalog.Fold(name)) }
