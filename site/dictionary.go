package site

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// DictionaryTable is one table of the data dictionary: a kind of row the
// API and downloads give, and its fields. The api package builds the
// dictionary from its OpenAPI document, so the page, /api/v1/dictionary
// and the API's documentation say the same words.
type DictionaryTable struct {
	// The table's short name, as the page's anchors give it.
	Name string `json:"name" example:"rows"`
	// What the table holds, in a few words.
	Title string `json:"title" example:"Surgeons' and hospitals' results"`
	// What one row of the table is.
	About string `json:"about" example:"One row is one surgeon's or hospital's result in one comparison."`
	// The API addresses that give rows of this table.
	Where []string `json:"where" example:"/api/v1/surgeons"`
	// The table's fields, in the order the JSON and CSV give them.
	Fields []DictionaryField `json:"fields"`
}

// DictionaryField is one field of a table, as its JSON key and CSV
// column name it.
type DictionaryField struct {
	// The field's JSON key, which is also its CSV column's name.
	Name string `json:"name" example:"survival"`
	// The JSON type: string, integer, number, boolean, object or array.
	Type string `json:"type" example:"number"`
	// The field's unit or scale (such as proportion (0 to 1), per 100,
	// operations); empty for words and codes.
	Unit string `json:"unit" example:"proportion (0 to 1)"`
	// True when the field can be null (an empty cell in the CSV); the
	// description says when.
	Nullable bool `json:"nullable" example:"true"`
	// What the field means, its scale and when it is null, as the API's
	// documentation says it.
	Description string `json:"description" example:"Risk-adjusted survival, 1 minus ramr, as a proportion from 0 to 1."`
	// The values a code can take; empty for a free value.
	Enum []string `json:"enum"`
}

// HandleDictionary answers GET /data/dictionary: every field of the rows,
// the summary and the funnels, with its unit and when it is null.
func (s *Site) HandleDictionary(c echo.Context) error {
	return s.render(c, http.StatusOK, "dictionary", page{Title: "Data dictionary", Section: "data",
		Description: "What every column of the downloads and every field of the API means.",
		Data:        s.dictionary, JSON: "/api/v1/dictionary", CSV: "/api/v1/dictionary.csv"})
}
