package resp

import (
	"math"
	"strconv"
	"strings"
)

// Proto is the protocol version a client negotiated with HELLO.
type Proto int

// Protocol versions.
const (
	RESP2 Proto = 2
	RESP3 Proto = 3
)

// appendLine appends s with every '\r' and '\n' turned into a space, so a
// status or error line can never break the framing (as Redis's
// addReplyErrorFormat does with sdsmapchars).
func appendLine(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

func appendPrefixInt(b []byte, prefix byte, n int64) []byte {
	b = append(b, prefix)
	b = strconv.AppendInt(b, n, 10)
	return append(b, '\r', '\n')
}

// AppendSimple appends the simple string reply +s\r\n. Any CR or LF in s is
// replaced by a space.
func AppendSimple(b []byte, s string) []byte {
	b = append(b, '+')
	b = appendLine(b, s)
	return append(b, '\r', '\n')
}

// AppendError appends the error reply -s\r\n. s carries its own error code
// ("ERR unknown command", "WRONGTYPE ..."); a leading '-' in s is not
// doubled. CR and LF in s become spaces, as Redis does for error replies.
func AppendError(b []byte, s string) []byte {
	b = append(b, '-')
	s = strings.TrimPrefix(s, "-")
	b = appendLine(b, s)
	return append(b, '\r', '\n')
}

// AppendInt appends the integer reply :n\r\n.
func AppendInt(b []byte, n int64) []byte {
	return appendPrefixInt(b, ':', n)
}

// AppendBulk appends p as a bulk string: $len\r\n p \r\n. A nil p is an
// empty bulk string, not a null; use AppendNull for that.
func AppendBulk(b []byte, p []byte) []byte {
	b = appendPrefixInt(b, '$', int64(len(p)))
	b = append(b, p...)
	return append(b, '\r', '\n')
}

// AppendBulkString appends s as a bulk string.
func AppendBulkString(b []byte, s string) []byte {
	b = appendPrefixInt(b, '$', int64(len(s)))
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendBulkInt appends the decimal text of n as a bulk string, as Redis's
// addReplyBulkLongLong.
func AppendBulkInt(b []byte, n int64) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], n, 10)
	b = appendPrefixInt(b, '$', int64(len(d)))
	b = append(b, d...)
	return append(b, '\r', '\n')
}

// AppendNull appends a null bulk string: $-1\r\n in RESP2, _\r\n in RESP3.
func AppendNull(b []byte, p Proto) []byte {
	if p == RESP3 {
		return append(b, '_', '\r', '\n')
	}
	return append(b, '$', '-', '1', '\r', '\n')
}

// AppendNullArray appends a null array: *-1\r\n in RESP2, _\r\n in RESP3.
func AppendNullArray(b []byte, p Proto) []byte {
	if p == RESP3 {
		return append(b, '_', '\r', '\n')
	}
	return append(b, '*', '-', '1', '\r', '\n')
}

// AppendArrayLen appends an array header *n\r\n; n elements must follow.
func AppendArrayLen(b []byte, n int) []byte {
	return appendPrefixInt(b, '*', int64(n))
}

// AppendMapLen appends a map header for n key/value pairs: %n\r\n in RESP3,
// a flat array of 2n elements in RESP2 (Redis's addReplyMapLen).
func AppendMapLen(b []byte, n int, p Proto) []byte {
	if p == RESP3 {
		return appendPrefixInt(b, '%', int64(n))
	}
	return appendPrefixInt(b, '*', 2*int64(n))
}

// AppendSetLen appends a set header: ~n\r\n in RESP3, *n\r\n in RESP2.
func AppendSetLen(b []byte, n int, p Proto) []byte {
	if p == RESP3 {
		return appendPrefixInt(b, '~', int64(n))
	}
	return appendPrefixInt(b, '*', int64(n))
}

// AppendPushLen appends a push header (pub/sub messages, invalidations):
// >n\r\n in RESP3, *n\r\n in RESP2.
func AppendPushLen(b []byte, n int, p Proto) []byte {
	if p == RESP3 {
		return appendPrefixInt(b, '>', int64(n))
	}
	return appendPrefixInt(b, '*', int64(n))
}

// AppendDouble appends f as Redis 7.0's addReplyDouble does: a RESP3 double
// ,<text>\r\n, or in RESP2 a bulk string of the same text (FormatDouble).
func AppendDouble(b []byte, f float64, p Proto) []byte {
	if p == RESP3 {
		b = append(b, ',')
		b = AppendDoubleValue(b, f)
		return append(b, '\r', '\n')
	}
	var tmp [32]byte
	d := AppendDoubleValue(tmp[:0], f)
	return AppendBulk(b, d)
}

// AppendBool appends a boolean: #t/#f in RESP3, the integers :1/:0 in RESP2.
func AppendBool(b []byte, v bool, p Proto) []byte {
	if p == RESP3 {
		if v {
			return append(b, '#', 't', '\r', '\n')
		}
		return append(b, '#', 'f', '\r', '\n')
	}
	if v {
		return append(b, ':', '1', '\r', '\n')
	}
	return append(b, ':', '0', '\r', '\n')
}

// AppendVerbatim appends a verbatim string (INFO, CLIENT LIST, LATENCY
// DOCTOR): in RESP3 =len\r\nfmt:text\r\n where format is three bytes such as
// "txt" or "mkd"; in RESP2 a plain bulk string of s.
func AppendVerbatim(b []byte, format string, s []byte, p Proto) []byte {
	if p != RESP3 {
		return AppendBulk(b, s)
	}
	b = appendPrefixInt(b, '=', int64(len(format)+1+len(s)))
	b = append(b, format...)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendBigNumber appends the decimal big number s: ((s)\r\n in RESP3, a
// bulk string in RESP2 (Redis's addReplyBigNum).
func AppendBigNumber(b []byte, s string, p Proto) []byte {
	if p != RESP3 {
		return AppendBulkString(b, s)
	}
	b = append(b, '(')
	b = appendLine(b, s)
	return append(b, '\r', '\n')
}

// FormatDouble returns f as Redis 7.0 prints a double reply or score
// (addReplyDouble): "inf" and "-inf" for infinities, else C's printf
// "%.17g". NaN, which Redis never stores, gives "nan".
func FormatDouble(f float64) string {
	var tmp [32]byte
	return string(AppendDoubleValue(tmp[:0], f))
}

// AppendDoubleValue appends the FormatDouble text of f, without framing.
func AppendDoubleValue(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return appendCG(b, f, 17)
}

// appendCG appends f formatted as C's printf("%.<prec>g", f) for a finite f:
// prec significant digits, correctly rounded. Go's %g differs: it picks the
// style from the shortest digits and keeps the style rules of Go, so we
// format the digits ourselves.
func appendCG(b []byte, f float64, prec int) []byte {
	var tmp [40]byte
	// 'e' with prec-1 decimals gives exactly prec correctly rounded digits.
	return appendCGDigits(b, strconv.AppendFloat(tmp[:0], f, 'e', prec-1, 64), prec)
}

// appendCGDigits lays out the digits of e, the output of
// strconv.AppendFloat(…, 'e', …), the way C's %.<prec>g does: %e style when
// the decimal exponent X satisfies X < -4 or X >= prec, else %f style;
// trailing zeros (and a trailing '.') removed; the exponent has a sign and
// at least two digits.
func appendCGDigits(b []byte, e []byte, prec int) []byte {
	if e[0] == '-' {
		b = append(b, '-')
		e = e[1:]
	}
	ei := 0
	for ei < len(e) && e[ei] != 'e' {
		ei++
	}
	x := 0
	for _, c := range e[ei+2:] {
		x = x*10 + int(c-'0')
	}
	if e[ei+1] == '-' {
		x = -x
	}
	var digs [32]byte
	nd := 0
	for _, c := range e[:ei] {
		if c != '.' && nd < len(digs) {
			digs[nd] = c
			nd++
		}
	}
	// Strip trailing zeros (there is no '#' flag in Redis's format).
	for nd > 1 && digs[nd-1] == '0' {
		nd--
	}
	if x < -4 || x >= prec {
		b = append(b, digs[0])
		if nd > 1 {
			b = append(b, '.')
			b = append(b, digs[1:nd]...)
		}
		b = append(b, 'e')
		if x < 0 {
			b = append(b, '-')
			x = -x
		} else {
			b = append(b, '+')
		}
		if x < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(x), 10)
	}
	if x < 0 {
		b = append(b, '0', '.')
		for i := 0; i < -x-1; i++ {
			b = append(b, '0')
		}
		return append(b, digs[:nd]...)
	}
	// x+1 integer digits, then the fraction if any digits remain.
	for i := 0; i <= x; i++ {
		if i < nd {
			b = append(b, digs[i])
		} else {
			b = append(b, '0')
		}
	}
	if nd > x+1 {
		b = append(b, '.')
		b = append(b, digs[x+1:nd]...)
	}
	return b
}

// FormatLongDouble returns f as Redis's ld2string in util.c formats the
// result of INCRBYFLOAT and HINCRBYFLOAT (humanFriendly, LD_STR_HUMAN:
// "%.17Lf" with trailing zeros and a trailing '.' removed, "-0" shown as
// "0") or a long double in LD_STR_AUTO mode ("%.17Lg").
//
// Redis computes in 80-bit long double; LongDouble reproduces that exactly
// and is what INCRBYFLOAT should use. This function serves callers that
// only have a float64. Printing the
// float64 to 17 places would show its binary noise (0.1 would read
// 0.10000000000000001) where the wider long double reads 0.1, so we start
// from the shortest decimal that round-trips the float64, which matches
// Redis for every value a user types and for sums that are exact in both
// widths. Results differ when the long double sum carries digits a float64
// cannot (e.g. 0.1+0.2 is "0.3" in Redis and "0.30000000000000004" here),
// and for magnitudes beyond float64's range. Infinities give "inf"/"-inf".
func FormatLongDouble(f float64, humanFriendly bool) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if !humanFriendly {
		// %.17Lg of the shortest digits: there are at most 17 of them, so
		// the precision only chooses the style.
		return string(appendCGDigits(nil, strconv.AppendFloat(nil, f, 'e', -1, 64), 17))
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 17 {
		// More than 17 places: round as %.17f would, on the decimal.
		s = strconv.FormatFloat(f, 'f', 17, 64)
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
