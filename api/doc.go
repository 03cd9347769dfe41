// Package api serves the JSON/CSV API and assembles the whole server with
// echo.
//
// New loads every release's results into memory once (package catalog);
// the API (/api/v1, routes.go) answers from that, with responses cached by
// URI and gzipped once (respond.go). routes.go is the one route table: it
// mounts the site's pages (package site) beside the API, /healthz,
// /metrics and the database download, behind one middleware chain. One
// error handler (problem.go) turns errors into RFC 9457 problems for the
// API and into the site's error page elsewhere.
package api
