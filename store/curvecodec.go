package store

import (
	"strings"

	"github.com/surgeon-outcomes/outcomes/outcome"
)

// decodeCurve reads a funnel's control-limit curve as curveJSON writes it
// (an array of five-number arrays, null for NaN) with the units' reader
// (unitDecoder), as a server reads two thousand curves of a national
// release at start, and encoding/json, which parseCurve uses, takes a
// second over them, an allocation a figure. It reads what parseCurve
// reads, bit for bit, but refuses a point that is not five figures, which
// curveJSON never writes.
func decodeCurve(text string) ([]outcome.CurvePoint, error) {
	d := unitDecoder{b: text}
	// A funnel keeps its curve: the points are counted first (one '['
	// each, and one around them), so it keeps no room it does not use.
	out := make([]outcome.CurvePoint, 0, max(strings.Count(text, "[")-1, 0))
	d.array(func() {
		var p outcome.CurvePoint
		d.expect('[')
		for j, x := range [...]*float64{&p.X, &p.Lower95, &p.Upper95, &p.Lower998, &p.Upper998} {
			if j > 0 {
				d.expect(',')
			}
			*x = d.real()
		}
		d.expect(']')
		out = append(out, p)
	})
	d.end("the curve")
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}
