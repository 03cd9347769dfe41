package demo

import "embed"

// FS holds the demo release's canonical CSV files, one per specialty, at
// its root.
//
//go:embed *.csv
var FS embed.FS

// The metadata `outcomes demo` records with the release.
const (
	// ReleaseID is the id the demo release is loaded as.
	ReleaseID = "demo"
	// Title is the release's title, which says the data are not real.
	Title = "Demo release: synthetic data for ten specialties (not real surgeons)"
	// Source says where the data come from.
	Source = "Invented by the generator in demo/internal/generate"
	// Licence is the release's SPDX licence identifier.
	Licence = "CC0-1.0"
)
