package chart_test

import (
	"math"
	"os"

	"github.com/surgeon-outcomes/outcomes/chart"
)

func ExampleWriteSVG() {
	bars := chart.Bars{Low: 0.9, Rows: []chart.Bar{
		{Label: "This surgeon, 2021-04/2024-03", Band: "within", Survival: 0.97, Low: 0.95, High: 0.985,
			Expected: 0.98},
		{Label: "Their hospital", Band: "too_few", Survival: math.NaN()},
	}}
	if err := chart.WriteSVG(os.Stdout, &bars, false); err != nil {
		panic(err)
	}
	// Output:
	// <svg viewBox="0 0 360 130" width="100%" class="interval-chart" role="img" aria-label="Risk-adjusted survival with 95% intervals; the diamond marks expected survival" font-family="system-ui, sans-serif" font-size="14">
	// <path stroke="#d0d7de" stroke-width="1" d="M340,22V126"/>
	// <text x="340" y="16" text-anchor="end" fill="#3d4752">100%</text>
	// <path stroke="#d0d7de" stroke-width="1" d="M190.9,22V126"/>
	// <text x="190.9" y="16" text-anchor="middle" fill="#3d4752">95%</text>
	// <path stroke="#d0d7de" stroke-width="1" d="M41.8,22V126"/>
	// <text x="41.8" y="16" text-anchor="middle" fill="#3d4752">90%</text>
	// <text x="12" y="44" fill="#1b1f24">This surgeon, 2021-04/2024-03</text>
	// <path stroke="#1f5f99" stroke-width="6" stroke-linecap="round" d="M190.9,60H295.3"/>
	// <circle cx="250.5" cy="60" r="6" fill="#0b2e4f" stroke="#ffffff" stroke-width="2"/>
	// <path d="M280.4,51L286.4,60L280.4,69L274.4,60Z" fill="#ffffff" stroke="#1b1f24" stroke-width="2"/>
	// <text x="12" y="92" fill="#1b1f24">Their hospital</text>
	// <text x="12" y="113" fill="#3d4752">too few deaths expected to compare</text>
	// </svg>
}
