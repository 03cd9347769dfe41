// Package api serves the public site and the JSON/CSV API with echo.
//
// New loads every release's results into memory once (catalog.go); the API
// (/api/v1, routes.go) answers from that, with responses cached by URI and
// gzipped once (respond.go), and the pages (pages.go, sitepages.go, the
// templates under templates/) render from it too. Only the search page
// queries the database, through its full-text index. One error handler
// (problem.go) turns errors into RFC 9457 problems for the API and into
// the site's error page elsewhere.
package api
