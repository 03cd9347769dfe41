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

// count is a number of cases or deaths that a unit may not have: a unit of
// the publisher's figures only has no deaths, and perhaps no volume
// (catalog.Row.HasEvents). It is written as a whole number, or null (JSON)
// and empty (CSV) where there is none, never as 0, which would say no one
// died.
type count struct {
	n     int
	known bool
}

// knownCount is a count that is given.
func knownCount(n int) count { return count{n: n, known: true} }

// countIf is n where known, else no count.
func countIf(n int, known bool) count { return count{n: n, known: known} }

// MarshalJSON writes the number, or null.
func (c count) MarshalJSON() ([]byte, error) {
	if !c.known {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(c.n), 10), nil
}

// UnmarshalJSON reads null as no count.
func (c *count) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = count{}
		return nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return err
	}
	*c = knownCount(n)
	return nil
}

// csv is the count as a CSV cell: empty when there is none.
func (c count) csv() string {
	if !c.known {
		return ""
	}
	return strconv.Itoa(c.n)
}
