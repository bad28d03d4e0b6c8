package resp

import (
	"math/big"
	"strings"
)

// x86-64 long double (80-bit extended): 64-bit significand, exponent range
// of IEEE binary with 15 exponent bits. In math/big's convention
// x = m × 2^e with 0.5 <= m < 1.
const (
	ldPrec   = 64
	ldMaxExp = 16384  // largest finite: e == 16384
	ldMinExp = -16381 // smallest normal: e == -16381
	// ldMaxChars is MAX_LONG_DOUBLE_CHARS: string2ld refuses longer input.
	ldMaxChars = 5 * 1024
)

// LongDouble is a value of C's long double on x86-64, the type Redis's
// INCRBYFLOAT and HINCRBYFLOAT compute in. It lets the server reproduce
// their results digit for digit, which float64 cannot (INCRBYFLOAT of
// 0.1 and 0.2 is "0.3" in Redis). The zero value is 0.
type LongDouble struct {
	f *big.Float // nil means +0
}

func newLD() *big.Float {
	return new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven)
}

// ParseLongDouble parses s as Redis's string2ld (util.c) does with glibc's
// strtold: an optional sign, then decimal digits with an optional fraction
// and exponent, a hexadecimal "0x" float with an optional 'p' exponent, or
// "inf"/"infinity" (any case). No leading space, no trailing bytes; NaN,
// overflow and underflow to zero are refused, and so is any NUL byte (7.0's
// string2ld requires strtold to consume every byte). It reports false where Redis replies "value is not a
// valid float".
func ParseLongDouble(s []byte) (LongDouble, bool) {
	if len(s) == 0 || len(s) >= ldMaxChars {
		return LongDouble{}, false
	}
	// Redis 7.0's string2ld also requires strtold to consume all slen bytes,
	// so an embedded NUL makes the value invalid (checked on 7.0.15).
	if strings.IndexByte(string(s), 0) >= 0 {
		return LongDouble{}, false
	}
	if isCSpace(s[0]) {
		return LongDouble{}, false
	}
	neg := false
	p := s
	if p[0] == '+' || p[0] == '-' {
		neg = p[0] == '-'
		p = p[1:]
	}
	var x *big.Float
	var ok bool
	switch {
	case eqFold(p, "inf") || eqFold(p, "infinity"):
		x, ok = new(big.Float).SetInf(false), true
	case len(p) > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		x, ok = parseHexLD(p[2:])
	default:
		x, ok = parseDecLD(p)
	}
	if !ok {
		return LongDouble{}, false
	}
	if neg {
		x.Neg(x)
	}
	x, ok = ldRound(x)
	if !ok {
		return LongDouble{}, false
	}
	return LongDouble{f: x}, true
}

func eqFold(b []byte, s string) bool { return strings.EqualFold(string(b), s) }

// ldRound rounds x, exact or carrying a sticky bit, to long double once,
// subnormals included. It reports false for overflow and for a non-zero
// value that rounds to zero: the ERANGE results string2ld refuses.
func ldRound(x *big.Float) (*big.Float, bool) {
	if x.IsInf() || x.Sign() == 0 {
		return newLD().Set(x), true
	}
	e := x.MantExp(nil) // 2^(e-1) <= |x| < 2^e
	if e >= ldMinExp {
		y := newLD().Set(x)
		if y.MantExp(nil) > ldMaxExp {
			return nil, false
		}
		return y, true
	}
	// Subnormal: the last bit is worth 2^-16445.
	bits := e + 16445
	if bits <= 0 {
		// Below the smallest subnormal: it or zero (a tie goes to zero).
		if new(big.Float).Abs(x).Cmp(new(big.Float).SetMantExp(big.NewFloat(1), -16446)) > 0 {
			y := newLD().SetMantExp(big.NewFloat(1), -16445)
			if x.Sign() < 0 {
				y.Neg(y)
			}
			return y, true
		}
		return nil, false
	}
	y := new(big.Float).SetMode(big.ToNearestEven).SetPrec(uint(bits)).Set(x)
	return newLD().Set(y), true
}

// parseDecLD parses digits[.digits][e[sign]digits], correctly rounded.
func parseDecLD(p []byte) (*big.Float, bool) {
	var mant []byte
	i, nd, frac := 0, 0, 0
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		mant = append(mant, p[i])
		nd++
	}
	if i < len(p) && p[i] == '.' {
		i++
		for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
			mant = append(mant, p[i])
			nd++
			frac++
		}
	}
	if nd == 0 {
		return nil, false
	}
	exp := 0
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		i++
		eneg := false
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			eneg = p[i] == '-'
			i++
		}
		if i >= len(p) || p[i] < '0' || p[i] > '9' {
			return nil, false // strtold stops before the 'e': trailing bytes
		}
		for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
			if exp < 1e6 {
				exp = exp*10 + int(p[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(p) {
		return nil, false
	}
	m, _ := new(big.Int).SetString(string(mant), 10)
	if m.Sign() == 0 {
		return new(big.Float), true
	}
	exp -= frac
	// Decimal digits before the point: far outside the range either way
	// (the largest long double has 4933, the smallest subnormal is
	// 3.6e-4951).
	mag := len(strings.TrimLeft(string(mant), "0")) + exp
	if mag > 4940 || mag < -4960 {
		return nil, false
	}
	if exp >= 0 {
		m.Mul(m, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
		return new(big.Float).SetPrec(uint(m.BitLen()) + 1).SetInt(m), true
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-exp)), nil)
	// Divide with enough extra precision that the final rounding to a
	// (possibly subnormal) long double is correct: a quotient rounded to
	// far more bits than we keep, plus a sticky bit for inexactness.
	q, r := new(big.Int).QuoRem(new(big.Int).Lsh(m, 16600+uint(den.BitLen())), den, new(big.Int))
	if r.Sign() != 0 {
		q.SetBit(q, 0, 1)
	}
	f := new(big.Float).SetPrec(uint(q.BitLen()) + 1).SetInt(q)
	return f.SetMantExp(f, -(16600 + den.BitLen())), true
}

// parseHexLD parses hexdigits[.hexdigits][p[sign]digits] after "0x".
func parseHexLD(p []byte) (*big.Float, bool) {
	m := new(big.Int)
	i, nd, frac := 0, 0, 0
	for ; i < len(p) && isHex(p[i]); i++ {
		m.Lsh(m, 4).Or(m, big.NewInt(int64(hexVal(p[i]))))
		nd++
	}
	if i < len(p) && p[i] == '.' {
		i++
		for ; i < len(p) && isHex(p[i]); i++ {
			m.Lsh(m, 4).Or(m, big.NewInt(int64(hexVal(p[i]))))
			nd++
			frac++
		}
	}
	if nd == 0 {
		return nil, false // "0x" alone: strtold takes "0" and stops at 'x'
	}
	exp := 0
	if i < len(p) && (p[i] == 'p' || p[i] == 'P') {
		i++
		eneg := false
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			eneg = p[i] == '-'
			i++
		}
		if i >= len(p) || p[i] < '0' || p[i] > '9' {
			return nil, false
		}
		for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
			if exp < 1e6 {
				exp = exp*10 + int(p[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(p) {
		return nil, false
	}
	if m.Sign() == 0 {
		return new(big.Float), true
	}
	exp -= 4 * frac
	if m.BitLen()+exp > ldMaxExp+1 || m.BitLen()+exp < -16500 {
		return nil, false
	}
	f := new(big.Float).SetPrec(uint(m.BitLen()) + 1).SetInt(m)
	f.SetMantExp(f, exp)
	return f, true
}

// LongDoubleFromFloat64 converts f exactly.
func LongDoubleFromFloat64(f float64) LongDouble {
	return LongDouble{f: newLD().SetFloat64(f)}
}

// LongDoubleFromInt converts n exactly (Redis reads an integer-encoded
// value this way).
func LongDoubleFromInt(n int64) LongDouble {
	return LongDouble{f: newLD().SetInt64(n)}
}

func (x LongDouble) big() *big.Float {
	if x.f == nil {
		return newLD()
	}
	return x.f
}

// IsInf reports whether x is an infinity.
func (x LongDouble) IsInf() bool { return x.f != nil && x.f.IsInf() }

// Add returns x+y rounded as the x87 FPU rounds a long double sum. It
// reports false when the sum is infinite (or an operand is), where Redis
// replies "increment would produce NaN or Infinity".
func (x LongDouble) Add(y LongDouble) (LongDouble, bool) {
	a, b := x.big(), y.big()
	if a.IsInf() || b.IsInf() {
		return LongDouble{}, false
	}
	// The exact sum, then one rounding.
	prec := uint(ldPrec + 2)
	if a.Sign() != 0 && b.Sign() != 0 {
		d := a.MantExp(nil) - b.MantExp(nil)
		if d < 0 {
			d = -d
		}
		prec += uint(d)
	}
	z := new(big.Float).SetPrec(prec).Add(a, b)
	r, ok := ldRound(z)
	if !ok || r.IsInf() {
		return LongDouble{}, false
	}
	return LongDouble{f: r}, true
}

// Float64 returns x rounded to the nearest float64.
func (x LongDouble) Float64() float64 {
	f, _ := x.big().Float64()
	return f
}

// Format returns x as Redis's ld2string (util.c) prints it: with
// humanFriendly (LD_STR_HUMAN, what INCRBYFLOAT and HINCRBYFLOAT store and
// reply) "%.17Lf" with trailing zeros and a trailing '.' removed and "-0"
// shown as "0"; else (LD_STR_AUTO) "%.17Lg". Infinities are "inf" and
// "-inf".
func (x LongDouble) Format(humanFriendly bool) string {
	f := x.big()
	if f.IsInf() {
		if f.Sign() < 0 {
			return "-inf"
		}
		return "inf"
	}
	if !humanFriendly {
		return string(appendCGDigits(nil, []byte(f.Text('e', 16)), 17))
	}
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
