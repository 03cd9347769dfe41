// Package demo embeds the synthetic demo release, so that `outcomes demo`
// works from any directory. The CSV files beside this one are written by the
// generator in demo/internal/generate and are invented: no row describes a
// real surgeon or hospital. After changing the generator, run
//
//	go generate ./demo
//
// and commit the rewritten files; a test fails while they differ from the
// generator's output.
package demo

//go:generate go run ./internal/generate/cmd/gendemo .
