package chart_test

import (
	"math"
	"os"

	"github.com/surgeon-outcomes/outcomes/chart"
)

func ExampleWriteSVG() {
	bars := chart.Bars{Low: 0.9, Rows: []chart.Bar{
		{Label: "This surgeon, 2021-04/2024-03", Band: "within", Survival: 0.97, Low: 0.95, High: 0.985,
			Average: 0.98},
		{Label: "Their hospital", Band: "too_few", Survival: math.NaN()},
	}}
	if err := chart.WriteSVG(os.Stdout, &bars, false); err != nil {
		panic(err)
	}
	// Output:
	// <svg viewBox="0 0 360 152" width="100%" class="interval-chart" role="img" aria-label="Risk-adjusted survival (dot) and its likely range (bar); the dashed line is the national average" font-family="system-ui, sans-serif" font-size="14">
	// <path d="M340,22v104" stroke="#d0d7de" stroke-width="1"/>
	// <text x="340" y="16" text-anchor="end" fill="#3d4752">100%</text>
	// <path d="M190.9,22v104" stroke="#d0d7de" stroke-width="1"/>
	// <text x="190.9" y="16" text-anchor="middle" fill="#3d4752">95%</text>
	// <path d="M41.8,22v104" stroke="#d0d7de" stroke-width="1"/>
	// <text x="41.8" y="16" text-anchor="middle" fill="#3d4752">90%</text>
	// <path stroke="#1f5f99" stroke-width="6" stroke-linecap="round" d="M190.9,60H295.3"/>
	// <path d="M280.4,26v106" class="average" stroke="#1b1f24" stroke-width="2" stroke-dasharray="5 3"/>
	// <text x="12" y="44" fill="#1b1f24" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">This surgeon, 2021-04/2024-03</text>
	// <circle cx="250.5" cy="60" r="6" class="estimate" fill="#0b2e4f" stroke="#ffffff" stroke-width="2"/>
	// <text x="12" y="92" fill="#1b1f24" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">Their hospital</text>
	// <text x="12" y="113" fill="#3d4752" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">Too few to tell</text>
	// <text x="284.4" y="144" text-anchor="end" fill="#3d4752">National average 98.0%</text>
	// </svg>
}
