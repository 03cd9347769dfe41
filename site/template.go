package site

import (
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

//go:embed templates
var templateFS embed.FS

// pageNames are the templates under templates/, each a page.
var pageNames = []string{"home", "specialties", "specialty", "surgeon", "hospital", "compare", "search", "hospitals",
	"selfcheck", "methodology", "data", "about", "error", "glossary", "choosing", "releases", "release", "summary",
	"dictionary", "monitor"}

// funcs are the templates' functions: the site's words for figures
// (words.go) and names.
var funcs = template.FuncMap{
	"percent": percent, "decimal": decimal, "thousands": thousands, "bandWords": bandWords,
	"bandShort": bandShort, "bandExplain": bandExplain, "counts": counts, "chance": chance, "detectable": detectable, "secondEstimate": secondEstimate, "pValue": pValue, "standsOut": standsOut,
	"join": strings.Join, "date": func(t time.Time) string { return t.UTC().Format("2 January 2006") },
	"isURL": func(s string) bool {
		u, err := url.Parse(s)
		return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
	},
	"specialtyName":     specialtyName,
	"procedureName":     procedureName,
	"procedureIncludes": procedureIncludes,
	"groupTitle":        groupTitle,
	"plural":            plural,
	"query":             url.QueryEscape,
	"unitPath":          UnitPath,
	"period":            periodWords,
	"outcomeWords":      outcomeWords,
	"intervalName":      intervalName,
	"dateText":          dateText,
	"inRelease":         inRelease,
	"thousands64":       func(n int64) string { return thousands(int(n)) },
	"periods": func(codes []string) string {
		words := make([]string, len(codes))
		for i, c := range codes {
			words[i] = periodWords(c)
		}
		return strings.Join(words, "; ")
	},

	// assessed says whether a band is a judgement: a unit that is not one
	// shows its counts and the reason, never a survival figure.
	"assessed": outcome.Assessed,
	"casesOf":  casesOf, "deathsOf": deathsOf, "publishedPercent": publishedPercent, "publishedRange": publishedRange,
	"notGiven": func() template.HTML { return notGiven },

	// outside95 says whether a band lies outside a 95% limit: a row a
	// hospital's page marks in words.
	"outside95": outcome.Outside95,
	"groupID":   groupID,
}

// parseTemplates parses each page with the layout and the partials, once.
func parseTemplates() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html",
			"templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("site: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// specialtyName is a specialty's display name, or its slug when it is not
// one of the ten.
func specialtyName(slug string) string {
	sp, ok := outcome.LookupSpecialty(slug)
	if !ok {
		return slug
	}
	return sp.Name
}

// procedureName is a procedure's display name, or its slug when the
// specialty does not list it (publishers' own procedure labels).
func procedureName(specialty, procedure string) string {
	if p, ok := outcome.LookupProcedure(specialty, procedure); ok {
		return p.Name
	}
	return procedure
}

// procedureIncludes says which operations a procedure group counts, or ""
// when the specialty does not list it.
func procedureIncludes(specialty, procedure string) string {
	p, _ := outcome.LookupProcedure(specialty, procedure)
	return p.Includes
}

// dateText writes a publisher's date, YYYY-MM-DD, in words; anything else
// as it is.
func dateText(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("2 January 2006")
}
