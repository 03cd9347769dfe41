// Package site serves the public site's HTML pages from a catalog: one
// file per page (home.go, specialty.go, surgeon.go, …), each handler
// gathering what its page shows from the catalog and then rendering it
// (render, site.go) with the templates under templates/, embedded and
// parsed once (template.go). The funnel plot and the interval bars are
// drawn by package chart (funnelplot.go, bars.go); words.go holds the
// site's words for the figures; static assets are served at hashed URLs.
//
// The handlers are mounted, with every other route, by package api, whose
// error handler renders a failed page's error through ErrorPage. A
// handler's client error is an *echo.HTTPError (its message is shown) or
// a *selfcheck.Error.
package site
