package api

import (
	"math"
	"strconv"
)

// number is a figure that may be undefined: NaN (or an infinity) is written
// as JSON null and as an empty CSV cell, because JSON cannot hold NaN and a
// journalist's spreadsheet should see a blank, not "NaN". Defined values
// are written in Go's shortest round-trip form, so no precision is lost.
type number float64

// MarshalJSON writes null for an undefined figure.
func (n number) MarshalJSON() ([]byte, error) {
	return n.appendJSON(nil), nil
}

func (n number) appendJSON(b []byte) []byte {
	x := float64(n)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// UnmarshalJSON reads null as NaN.
func (n *number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = number(math.NaN())
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*n = number(x)
	return nil
}

// csv is the figure as a CSV cell: empty when undefined.
func (n number) csv() string {
	x := float64(n)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
