package store

import (
	"math"
	"math/big"
	"math/bits"
	"sync"
)

// A server reads a national release's fifteen million figures at every
// start, each written as the shortest decimal that reads back as itself
// (appendReal): most have 16 or 17 digits. strconv.ParseFloat reads them
// exactly but spends most of its time on what JSON never holds (hex,
// underscores, "inf"); parseDecimal reads the plain decimal form and gets
// the same bits, exactly rounded, by the Eisel–Lemire method (Lemire,
// "Number Parsing at a Gigabyte per Second", 2021), and leaves anything
// else, or a case that method cannot settle, to strconv.

// parseDecimal reads the JSON number at the start of b: an optional
// minus, digits, an optional fraction and exponent, followed by a byte
// that cannot be part of a number (numberByte) or by the end. It returns
// the number, exactly as strconv.ParseFloat(…, 64) reads it, and how
// many bytes it took; ok is false, with nothing read, for any other
// text, for more than 19 significant digits, or where the value is one
// the method below does not settle (very large, very small, or too close
// to halfway between two floats): the caller then asks strconv.
func parseDecimal(b string) (x float64, n int, ok bool) {
	i := 0
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	// The significand's digits, integer and fraction, make one integer;
	// significant counts them from the first that is not 0, the zeros
	// before it skipped first so that the loops test nothing but digits.
	var mantissa uint64
	exp10 := 0
	start := i
	i = skipZeros(b, i)
	significant := -(i - start)
	mantissa, i = readDigits(b, i, mantissa)
	if i == start {
		return 0, 0, false
	}
	significant += i - start
	if i < len(b) && b[i] == '.' {
		i++
		start = i
		if significant == 0 {
			i = skipZeros(b, i)
			significant = -(i - start)
		}
		mantissa, i = readDigits(b, i, mantissa)
		if i == start {
			return 0, 0, false
		}
		significant += i - start
		exp10 = start - i
	}
	if significant > 19 {
		return 0, 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		expNeg := i < len(b) && b[i] == '-'
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			i++
		}
		start = i
		e := 0
		for ; i < len(b) && isDigit(b[i]); i++ {
			if e < 10000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if i == start {
			return 0, 0, false
		}
		if expNeg {
			e = -e
		}
		exp10 += e
	}
	if i < len(b) && numberByte(b[i]) {
		return 0, 0, false
	}
	x, ok = decimalToFloat(mantissa, exp10)
	if !ok {
		return 0, 0, false
	}
	if neg {
		x = -x
	}
	return x, i, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skipZeros returns the position of the first byte from i of b that is
// not '0'.
func skipZeros(b string, i int) int {
	for i < len(b) && b[i] == '0' {
		i++
	}
	return i
}

// readDigits reads the digits of b from i onto mantissa, and returns it
// and the position of the first byte that is not a digit; mantissa
// overflows past 19 digits, which the caller refuses.
func readDigits(b string, i int, mantissa uint64) (uint64, int) {
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		mantissa = mantissa*10 + uint64(c)
	}
	return mantissa, i
}

// exactPowersOfTen are the powers of ten a float64 holds exactly.
var exactPowersOfTen = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
	1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// decimalToFloat is mantissa × 10^exp10 rounded to the nearest float64,
// ties to even; ok is false where it cannot tell.
func decimalToFloat(mantissa uint64, exp10 int) (float64, bool) {
	if mantissa == 0 {
		return 0, true
	}
	// Both exact and one rounding: the quotient or product is correctly
	// rounded (Clinger's fast path).
	if mantissa < 1<<53 && -22 <= exp10 && exp10 <= 22 {
		if exp10 < 0 {
			return float64(mantissa) / exactPowersOfTen[-exp10], true
		}
		return float64(mantissa) * exactPowersOfTen[exp10], true
	}
	table := powersOfTen()
	if exp10 < minPowerOfTen || exp10 >= minPowerOfTen+len(table) {
		return 0, false
	}
	pow := table[exp10-minPowerOfTen]
	// Eisel–Lemire: the product of the normalised mantissa and the
	// power's 128 leading bits; its top 54 bits are the answer unless
	// the bits below them say the product is too near a halfway point.
	clz := bits.LeadingZeros64(mantissa)
	mantissa <<= uint(clz)
	exp2 := uint64(217706*exp10>>16+64+1023) - uint64(clz)
	hi, lo := bits.Mul64(mantissa, pow[0])
	if hi&0x1FF == 0x1FF && lo+mantissa < mantissa {
		hi2, lo2 := bits.Mul64(mantissa, pow[1])
		mergedHi, mergedLo := hi, lo+hi2
		if mergedLo < lo {
			mergedHi++
		}
		if mergedHi&0x1FF == 0x1FF && mergedLo+1 == 0 && lo2+mantissa < mantissa {
			return 0, false
		}
		hi, lo = mergedHi, mergedLo
	}
	msb := hi >> 63
	m := hi >> (msb + 9)
	exp2 -= 1 ^ msb
	if lo == 0 && hi&0x1FF == 0 && m&3 == 1 {
		return 0, false // exactly halfway: strconv settles it
	}
	m += m & 1
	m >>= 1
	if m>>53 > 0 {
		m >>= 1
		exp2++
	}
	if exp2-1 >= 0x7FF-1 {
		return 0, false // subnormal, infinite or out of range
	}
	return math.Float64frombits(exp2<<52 | m&(1<<52-1)), true
}

// minPowerOfTen is the least exponent powersOfTen holds; it holds every
// one to -minPowerOfTen. The figures of a release lie well inside.
const minPowerOfTen = -120

// powersOfTen holds, for each exponent e from minPowerOfTen, the 128
// leading bits of 10^e, rounded down, high word first: made once, the
// first time a figure needs one.
var powersOfTen = sync.OnceValue(func() [][2]uint64 {
	table := make([][2]uint64, 2*-minPowerOfTen+1)
	ten := big.NewInt(10)
	mask := new(big.Int).SetUint64(math.MaxUint64)
	for i := range table {
		e := i + minPowerOfTen
		p := new(big.Int).Exp(ten, big.NewInt(int64(abs(e))), nil)
		var top *big.Int
		if e >= 0 {
			if shift := p.BitLen() - 128; shift > 0 {
				top = p.Rsh(p, uint(shift))
			} else {
				top = p.Lsh(p, uint(-shift))
			}
		} else {
			// 2^(L+127) / 10^-e, for 10^-e of L bits, has 128 bits.
			top = new(big.Int).Lsh(big.NewInt(1), uint(p.BitLen()+127))
			top.Quo(top, p)
		}
		table[i] = [2]uint64{new(big.Int).Rsh(top, 64).Uint64(), new(big.Int).And(top, mask).Uint64()}
	}
	return table
})

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
