package outcome

import "math"

// Publishers print expected deaths, rates and percents as short decimals
// (2.138, 1.2%). Binary floating point holds few of them exactly, so the
// arithmetic the figures call for (a rate times the cases, a surgeon's rows
// summed) leaves a last-bit error that prints as noise: 366 × 1.2 / 100 is
// 4.3919999999999995 and 2.138 + 0.962 is 3.0999999999999996, where the
// publisher's figures make them 4.392 and 3.1 exactly. The functions here
// do that arithmetic on the decimals the numbers were written as, and give
// the double nearest the exact result, which prints as the publisher's
// decimal. Nothing is rounded to fewer digits than the figures carry: the
// result differs from the plain float64 arithmetic only in its last bits.

// maxExact is 2^53: every integer of smaller magnitude is a float64.
const maxExact = 1 << 53

// maxDecimals is the most digits after the point a number may carry to be
// read as a decimal here; beyond it (a value computed by a risk model to
// full precision) the arithmetic is float64's own.
const maxDecimals = 15

// pow10 holds the powers of ten that are exact as float64 (10^0 … 10^22).
var pow10 = func() (p [23]float64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// decimalOf returns x as the decimal m·10^-k with the fewest digits after
// the point, k, that reads back as x (the digits strconv's shortest
// formatting prints), and false when x is negative, not finite, or needs
// more than maxDecimals decimals or a mantissa beyond 2^53.
func decimalOf(x float64) (m int64, k int, ok bool) {
	if !(x >= 0) || math.IsInf(x, 0) {
		return 0, 0, false
	}
	for k = 0; k <= maxDecimals; k++ {
		s := x * pow10[k]
		if s >= maxExact {
			return 0, 0, false
		}
		// s is m within a rounding error; m/10^k is one correctly rounded
		// division, so it equals x exactly when the decimal reads back as x.
		if r := math.Round(s); r/pow10[k] == x {
			return int64(r), k, true
		}
	}
	return 0, 0, false
}

// MulDecimal returns x·n·10^exp, computed on the decimal x is written as
// (its shortest form: 1.2, not 1.1999999999999999556) and rounded once to
// the nearest float64, so that a rate times a count prints as the decimal
// it is: MulDecimal(1.2, 366, -2) is 4.392, where 366*1.2/100 is
// 4.3919999999999995. When x is not such a decimal, or the exact product
// is beyond float64's integers, it is the plain product.
func MulDecimal(x float64, n int64, exp int) float64 {
	if m, k, ok := decimalOf(x); ok && n >= 0 && (n == 0 || m <= maxExact/n) && m*n < maxExact {
		// m·n is an exact integer and 10^|scale| an exact power, so one
		// IEEE operation gives the nearest float64 to the exact product.
		switch scale := k - exp; {
		case scale >= 0 && scale < len(pow10):
			return float64(m*n) / pow10[scale]
		case scale < 0 && -scale < len(pow10):
			return float64(m*n) * pow10[-scale]
		}
	}
	return x * float64(n) * math.Pow10(exp)
}

// decimalSum adds numbers as the decimals they are written as (see
// MulDecimal), so that 2.138 + 0.962 is 3.1, not 3.0999999999999996. It
// falls back to the float64 sum, in the order added, once a term is not a
// short decimal or the exact sum outgrows float64's integers. Its zero
// value is the empty sum.
type decimalSum struct {
	m       int64 // the exact sum is m·10^-k while !inexact
	k       int
	inexact bool
	f       float64 // the float64 sum of the terms, always kept
}

func (s *decimalSum) add(x float64) {
	s.f += x
	if s.inexact {
		return
	}
	m, k, ok := decimalOf(x)
	if !ok {
		s.inexact = true
		return
	}
	// Bring both to the larger number of decimals; either may grow.
	for ; s.k < k; s.k++ {
		if s.m >= maxExact/10 {
			s.inexact = true
			return
		}
		s.m *= 10
	}
	for ; k < s.k; k++ {
		if m >= maxExact/10 {
			s.inexact = true
			return
		}
		m *= 10
	}
	if s.m += m; s.m >= maxExact {
		s.inexact = true
	}
}

// value is the sum: the float64 nearest the exact decimal sum, or the
// float64 sum where that is not known.
func (s *decimalSum) value() float64 {
	if s.inexact || s.k >= len(pow10) {
		return s.f
	}
	return float64(s.m) / pow10[s.k]
}
