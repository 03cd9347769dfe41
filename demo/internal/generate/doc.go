// Package generate makes the synthetic demo release that package demo
// embeds: one canonical CSV file per specialty. The gendemo command writes
// [Files] into the demo directory when `go generate ./demo` runs, and a test
// in package demo fails when the committed files differ from them.
//
// The demo data must look like the real thing to anyone exploring the site —
// funnel plots with a believable spread, a few surgeons who stand out, small
// specialties where nothing can be detected — while being obviously invented:
// surgeon ids start with 9 and are not GMC numbers, names are whimsical
// compounds of nature words, hospitals have ZZ codes and live in places that do
// not exist. Nothing in it describes a real person or hospital.
//
// The generator is deterministic: fixed seeds, a random stream per specialty,
// ordered slices everywhere (maps are only used for membership), no clock. Run
//
//	go generate ./demo
//
// after changing it, and commit the rewritten files.
package generate
