// Package demo embeds the synthetic demo release, so that `outcomes demo`
// works from any directory. The CSVs are written by the generator in
// cmd/outcomes/demodata_test.go (go test ./cmd/outcomes -run TestDemoData
// -update-demo) and are invented: no row describes a real surgeon.
package demo

import "embed"

// FS holds the demo release's canonical CSV files, one per specialty.
//
//go:embed *.csv
var FS embed.FS
