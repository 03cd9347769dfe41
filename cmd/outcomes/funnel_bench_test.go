package main

import (
	"flag"
	"io"
	"testing"
)

var funnelBenchFile = flag.String("funnel-bench-file", "", "canonical CSV for BenchmarkFunnel (bench/funnel/gen writes one)")

// BenchmarkFunnel times `outcomes funnel` on -funnel-bench-file, output
// discarded: the work of the command less process start.
func BenchmarkFunnel(b *testing.B) {
	if *funnelBenchFile == "" {
		b.Skip("-funnel-bench-file not set")
	}
	env := environment{stdout: io.Discard, stderr: io.Discard}
	for b.Loop() {
		if err := env.funnel(b.Context(), []string{*funnelBenchFile}); err != nil {
			b.Fatal(err)
		}
	}
}
