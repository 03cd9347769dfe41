// Package outcome is the domain's vocabulary, written once: the ten
// specialties, what a unit is (a surgeon or a hospital, and how rows are
// summed into one), what a band says in words, and how a group's units are
// placed on their funnel. Ingest's results, `outcomes funnel`, the
// self-check, the store and the site all take these rules from here, so
// they cannot disagree.
//
// It imports only the standard library and package stats, which does the
// arithmetic; everything here is pure and does no I/O.
package outcome
