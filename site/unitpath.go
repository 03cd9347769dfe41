package site

import (
	"net/url"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// UnitPath is the address of a unit's page, /surgeons/{id} or
// /hospitals/{id}, with the id percent-encoded as one path segment. Every
// link to a unit, in templates (unitPath) and in Go, is built here: ingest
// refuses ids that need encoding, but a database loaded before it did may
// hold "/", "?", "#" or "%", which written raw would lead the link to
// another page (issue 11). The router decodes the segment once, so the
// link comes back to this unit.
func UnitPath(t outcome.UnitType, id string) string {
	return "/" + t.Plural() + "/" + url.PathEscape(id)
}
