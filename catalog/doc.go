// Package catalog is the read model the site and the API answer from:
// every release's results, loaded once from the store (Load), with each
// placed unit as a Row, indexes by surgeon and hospital, every sort
// precomputed, keyset cursors (Select), the one search (Search), and the
// placing of a hospital's own figures on a published funnel (Place).
//
// Releases are immutable, so a Catalog never changes once loaded and is
// safe for concurrent use. Nothing here knows HTTP: the api and site
// packages turn a Catalog's rows into JSON, CSV and pages.
package catalog
