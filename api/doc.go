// Package api serves the public site and the JSON/CSV API with echo.
//
// New loads every release's results into memory once (catalog.go); the API
// (/api/v1, routes.go) answers from that, with responses cached by URI and
// gzipped once (respond.go), and the pages (pages.go, sitepages.go, the
// templates under templates/) render from it too; the search page and the
// API's q share one in-memory search (search.go). One error handler
// (problem.go) turns errors into RFC 9457 problems for the API and into
// the site's error page elsewhere.
package api
