package resp

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppenders(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"simple", AppendSimple(nil, "OK"), "+OK\r\n"},
		{"simple crlf", AppendSimple(nil, "a\r\nb"), "+a  b\r\n"},
		{"error", AppendError(nil, "ERR unknown command"), "-ERR unknown command\r\n"},
		{"error dash", AppendError(nil, "-WRONGTYPE x"), "-WRONGTYPE x\r\n"},
		{"error crlf", AppendError(nil, "ERR a\r\nb\nc"), "-ERR a  b c\r\n"},
		{"int", AppendInt(nil, -42), ":-42\r\n"},
		{"int min", AppendInt(nil, math.MinInt64), ":-9223372036854775808\r\n"},
		{"bulk", AppendBulk(nil, []byte("foo")), "$3\r\nfoo\r\n"},
		{"bulk empty", AppendBulk(nil, nil), "$0\r\n\r\n"},
		{"bulk binary", AppendBulk(nil, []byte("a\r\n\x00")), "$4\r\na\r\n\x00\r\n"},
		{"bulk string", AppendBulkString([]byte("x"), "héllo"), "x$6\r\nhéllo\r\n"},
		{"bulk int", AppendBulkInt(nil, 12345), "$5\r\n12345\r\n"},
		{"bulk int neg", AppendBulkInt(nil, -1), "$2\r\n-1\r\n"},
		{"null2", AppendNull(nil, RESP2), "$-1\r\n"},
		{"null3", AppendNull(nil, RESP3), "_\r\n"},
		{"nullarray2", AppendNullArray(nil, RESP2), "*-1\r\n"},
		{"nullarray3", AppendNullArray(nil, RESP3), "_\r\n"},
		{"array", AppendArrayLen(nil, 3), "*3\r\n"},
		{"array0", AppendArrayLen(nil, 0), "*0\r\n"},
		{"map2", AppendMapLen(nil, 2, RESP2), "*4\r\n"},
		{"map3", AppendMapLen(nil, 2, RESP3), "%2\r\n"},
		{"set2", AppendSetLen(nil, 5, RESP2), "*5\r\n"},
		{"set3", AppendSetLen(nil, 5, RESP3), "~5\r\n"},
		{"push2", AppendPushLen(nil, 3, RESP2), "*3\r\n"},
		{"push3", AppendPushLen(nil, 3, RESP3), ">3\r\n"},
		{"double2", AppendDouble(nil, 1.5, RESP2), "$3\r\n1.5\r\n"},
		{"double3", AppendDouble(nil, 1.5, RESP3), ",1.5\r\n"},
		{"double2 0.1", AppendDouble(nil, 0.1, RESP2), "$19\r\n0.10000000000000001\r\n"},
		{"double3 0.1", AppendDouble(nil, 0.1, RESP3), ",0.10000000000000001\r\n"},
		{"double2 inf", AppendDouble(nil, math.Inf(1), RESP2), "$3\r\ninf\r\n"},
		{"double3 -inf", AppendDouble(nil, math.Inf(-1), RESP3), ",-inf\r\n"},
		{"bool2 t", AppendBool(nil, true, RESP2), ":1\r\n"},
		{"bool2 f", AppendBool(nil, false, RESP2), ":0\r\n"},
		{"bool3 t", AppendBool(nil, true, RESP3), "#t\r\n"},
		{"bool3 f", AppendBool(nil, false, RESP3), "#f\r\n"},
		{"verbatim2", AppendVerbatim(nil, "txt", []byte("hi"), RESP2), "$2\r\nhi\r\n"},
		{"verbatim3", AppendVerbatim(nil, "txt", []byte("hi"), RESP3), "=6\r\ntxt:hi\r\n"},
		{"bignum2", AppendBigNumber(nil, "12345678901234567890", RESP2), "$20\r\n12345678901234567890\r\n"},
		{"bignum3", AppendBigNumber(nil, "-12345678901234567890", RESP3), "(-12345678901234567890\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, string(tt.got))
		})
	}
}

// TestFormatDouble compares with replies of redis-server 7.0.15: ZADD z <in>
// m, then ZSCORE z m in RESP2 and RESP3 (both gave the same text).
func TestFormatDouble(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"0.1", 0.1, "0.10000000000000001"},
		{"1e21", 1e21, "1e+21"},
		{"1e-5", 1e-5, "1.0000000000000001e-05"},
		{"100000", 100000, "100000"},
		{"1e17", 1e17, "1e+17"},
		{"1e16", 1e16, "10000000000000000"},
		{"123456789012345678", 123456789012345678, "1.2345678901234568e+17"},
		{"0", 0, "0"},
		{"negzero", math.Copysign(0, -1), "-0"}, // %.17g; Redis listpack zsets store -0 as 0
		{"1.5", 1.5, "1.5"},
		{"inf", math.Inf(1), "inf"},
		{"-inf", math.Inf(-1), "-inf"},
		{"nan", math.NaN(), "nan"},
		{"1e-4", 1e-4, "0.0001"},
		{"0.0001234", 0.0001234, "0.00012339999999999999"},
		{"3.0000000000000004", 3.0000000000000004, "3.0000000000000004"},
		{"1e308", 1e308, "1e+308"},
		{"5e-324", 5e-324, "4.9406564584124654e-324"},
		{"minnormal", 2.2250738585072014e-308, "2.2250738585072014e-308"},
		{"12345678901234567", 12345678901234567, "12345678901234568"},
		{"1234567890123456.7", 1234567890123456.7, "1234567890123456.8"},
		{"9007199254740993", 9007199254740993, "9007199254740992"},
		{"0.3", 0.3, "0.29999999999999999"},
		{"-1.5e-7", -1.5e-7, "-1.4999999999999999e-07"},
		{"1e22", 1e22, "1e+22"},
		{"7e22", 7e22, "7.0000000000000004e+22"},
		{"-2.5", -2.5, "-2.5"},
		{"1e100", 1e100, "1e+100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, FormatDouble(tt.in))
			require.Equal(t, tt.want, string(AppendDoubleValue([]byte{}, tt.in)))
		})
	}
}

// TestFormatLongDouble compares with INCRBYFLOAT on redis-server 7.0.15
// (SET k <start>; INCRBYFLOAT k <incr>) where float64 agrees.
func TestFormatLongDouble(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"0+0.1", 0 + 0.1, "0.1"},
		{"10.5+0.1", 10.5 + 0.1, "10.6"},
		{"5.0e3", 5.0e3, "5000"},
		{"1e20", 1e20, "100000000000000000000"},
		{"1.5e-7", 1.5e-7, "0.00000015"},
		{"-0.0", math.Copysign(0, -1), "0"},
		{"1-1", 1 - 1.0, "0"},
		{"3e-20", 3e-20, "0"},
		{"0.000001", 0.000001, "0.000001"},
		{"-5.5", -5.5, "-5.5"},
		{"1e-17", 1e-17, "0.00000000000000001"},
		{"1e-18", 1e-18, "0"},
		{"12345678901234567890", 12345678901234567890, "12345678901234567000"}, // Redis: ...890, which a long double holds exactly
		{"inf", math.Inf(1), "inf"},
		{"-inf", math.Inf(-1), "-inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, FormatLongDouble(tt.in, true))
		})
	}
	auto := []struct {
		in   float64
		want string
	}{
		{0.1, "0.1"},
		{1e21, "1e+21"},
		{1e-5, "1e-05"},
		{123.25, "123.25"},
		{1e16, "10000000000000000"},
		{1e17, "1e+17"},
	}
	for _, tt := range auto {
		require.Equal(t, tt.want, FormatLongDouble(tt.in, false), "%v", tt.in)
	}
}

func BenchmarkAppendBulk(b *testing.B) {
	buf := make([]byte, 0, 4096)
	val := []byte("some value of moderate length, 40 bytes")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendBulk(buf[:0], val)
	}
}

func BenchmarkAppendDouble(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendDouble(buf[:0], 3.14159, RESP2)
	}
}
