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
	// Name is the table's short name (rows, summary, funnel, …).
	Name string `json:"name" example:"rows"`
	// Title and About say what one row of the table is, in plain words.
	Title string `json:"title" example:"Surgeons' and hospitals' results"`
	About string `json:"about" example:"One surgeon's or hospital's result in one comparison."`
	// Where lists the API addresses whose rows are of this table.
	Where  []string          `json:"where" example:"/api/v1/surgeons"`
	Fields []DictionaryField `json:"fields"`
}

// DictionaryField is one field of a table, as its JSON key and CSV
// column name it.
type DictionaryField struct {
	Name string `json:"name" example:"survival"`
	// Type is the JSON type: string, integer, number, boolean, object or
	// array.
	Type string `json:"type" example:"number"`
	// Unit is the field's unit or scale, empty for words and codes.
	Unit string `json:"unit" example:"proportion (0 to 1)"`
	// Nullable says whether the field can be null (an empty CSV cell); the
	// description says when.
	Nullable    bool   `json:"nullable" example:"true"`
	Description string `json:"description" example:"Risk-adjusted survival, 1 minus ramr, as a proportion from 0 to 1."`
	// Enum lists the values a code can take; empty for a free value.
	Enum []string `json:"enum"`
}

// HandleDictionary answers GET /data/dictionary: every field of the rows,
// the summary and the funnels, with its unit and when it is null.
func (s *Site) HandleDictionary(c echo.Context) error {
	return s.render(c, http.StatusOK, "dictionary", page{Title: "Data dictionary", Section: "data",
		Description: "What every column of the downloads and every field of the API means.",
		Data:        s.dictionary, JSON: "/api/v1/dictionary", CSV: "/api/v1/dictionary.csv"})
}
