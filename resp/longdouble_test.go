package resp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLongDoubleIncr compares with redis-server 7.0.15: SET k <start>, then
// INCRBYFLOAT k <incr> replied <want> ("" for an error reply).
func TestLongDoubleIncr(t *testing.T) {
	tests := []struct {
		start, incr, want string
	}{
		{"0", "0.1", "0.1"},
		{"10.5", "0.1", "10.6"},
		{"0", "1000.1", "1000.09999999999999998"},
		{"0", "5.0e3", "5000"},
		{"0", "1e20", "100000000000000000000"},
		{"0", "1.5e-7", "0.00000015"},
		{"0", "-0.0", "0"},
		{"1", "-1", "0"},
		{"0.1", "0.2", "0.3"},
		{"0", "3.0e-20", "0"},
		{"0", "123456789.123456789", "123456789.12345678899873747"},
		{"0", "1e300", "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144"},
		{"0", "0.000001", "0.000001"},
		{"0", "-5.5", "-5.5"},
		{"0", "1e-17", "0.00000000000000001"},
		{"0", "1e-18", "0"},
		{"0", "12345678901234567890", "12345678901234567890"},
	}
	for _, tt := range tests {
		a, ok := ParseLongDouble([]byte(tt.start))
		require.True(t, ok, tt.start)
		b, ok := ParseLongDouble([]byte(tt.incr))
		require.True(t, ok, tt.incr)
		c, ok := a.Add(b)
		require.True(t, ok)
		require.Equal(t, tt.want, c.Format(true), "%s + %s", tt.start, tt.incr)
	}
}

func TestParseLongDouble(t *testing.T) {
	good := map[string]string{
		"1":         "1",
		"-1.5":      "-1.5",
		"+2":        "2",
		".5":        "0.5",
		"5.":        "5",
		"1e3":       "1000",
		"1E+3":      "1000",
		"0x10":      "16",
		"0x1p-1":    "0.5",
		"0X1.8P1":   "3",
		"inf":       "inf",
		"-Infinity": "-inf",
		"1e-4950":   "0", // subnormal, not zero: accepted, prints as 0
	}
	for in, want := range good {
		v, ok := ParseLongDouble([]byte(in))
		require.True(t, ok, "%q", in)
		require.Equal(t, want, v.Format(true), "%q", in)
	}
	for _, in := range []string{"", " 1", "1 ", "abc", "1e", "1e+", "0x", "nan", "-nan", "1e5000", "1e-5000", "--1", "1.2.3", "0x1p", "infinit", "\x00", "1\x00junk", "2.1\x00abc"} {
		_, ok := ParseLongDouble([]byte(in))
		require.False(t, ok, "%q", in)
	}
	inf, _ := ParseLongDouble([]byte("inf"))
	one, _ := ParseLongDouble([]byte("1"))
	_, ok := inf.Add(one)
	require.False(t, ok)
	max, ok := ParseLongDouble([]byte("1.1e4932"))
	require.True(t, ok)
	_, ok = max.Add(max)
	require.False(t, ok, "overflow")
	require.Equal(t, "0.10000000000000001", LongDoubleFromFloat64(0.1).Format(true))
	require.Equal(t, "0.1", func() string { v, _ := ParseLongDouble([]byte("0.1")); return v.Format(false) }())
	require.Equal(t, "1e+21", func() string { v, _ := ParseLongDouble([]byte("1e21")); return v.Format(false) }())
	require.Equal(t, "42", LongDoubleFromInt(42).Format(true))
	require.Equal(t, 0.5, func() float64 { v, _ := ParseLongDouble([]byte("0.5")); return v.Float64() }())
	var zero LongDouble
	require.Equal(t, "0", zero.Format(true))
}
