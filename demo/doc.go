// Package demo embeds the synthetic demo release, so that `outcomes demo`
// works from any directory. The CSV files beside this one are written by the
// generator in cmd/outcomes/demodata_test.go (go test ./cmd/outcomes -run
// TestDemoData -update-demo) and are invented: no row describes a real
// surgeon or hospital.
package demo
