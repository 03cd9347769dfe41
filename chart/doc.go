// Package chart draws the site's charts: the funnel plot (Funnel) and the
// interval bars (Bars). Each is drawn once, against a small drawing
// interface (Canvas, after gonum/plot's vg.Canvas), and written by one of
// two back-ends: WriteSVG, for pages and the downloadable image, and
// WritePNG, for places that cannot show SVG.
//
// The SVG is accessible and safe to inline under a strict
// Content-Security-Policy: presentation attributes only (no style element
// or attribute), every string escaped, and groups carrying the metadata a
// reader and the page's script need (a link, an accessible name, a class,
// data attributes). The PNG back-end draws the same shapes and text and
// ignores that metadata.
//
// The package knows nothing of releases or requests: callers fill in a
// Funnel's curve and points, or the rows of Bars, from their own types. It
// imports only the standard library, golang.org/x/image and, for the
// bands' words and marks, package outcome.
package chart
