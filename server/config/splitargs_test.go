package config

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
		bad  bool
	}{
		{"empty", "", nil, false},
		{"blank", " \t\v\f ", nil, false},
		{"words", "set  key\tvalue", []string{"set", "key", "value"}, false},
		{"double", `a "b c" d`, []string{"a", "b c", "d"}, false},
		{"escapes", `"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}, false},
		{"hex", `"\x41\x7a\x00\xff"`, []string{"Az\x00\xff"}, false},
		{"hex not hex", `"\x4g"`, []string{"x4g"}, false},
		{"hex short", `"\x4"`, []string{"x4"}, false},
		{"single", `'a "b" \n'`, []string{`a "b" \n`}, false},
		{"single escaped quote", `'it\'s'`, []string{"it's"}, false},
		{"single backslash", `'a\\b'`, []string{`a\\b`}, false},
		{"empty quotes", `"" ''`, []string{"", ""}, false},
		{"quote inside word", `ab"c d"`, []string{"abc d"}, false},
		{"unterminated double", `"abc`, nil, true},
		{"unterminated single", `'abc`, nil, true},
		{"backslash at end", `"abc\`, nil, true},
		{"closing quote then char", `"a"b`, nil, true},
		{"closing single then char", `'a'b`, nil, true},
		{"closing quote then tab", "\"a\"\tb", []string{"a", "b"}, false},
		{"vertical tab inside word", "a\vb", []string{"a\vb"}, false},
		{"nul ends line", "a b\x00c d", []string{"a", "b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitArgs(tt.line)
			if tt.bad {
				require.True(t, errors.Is(err, errUnbalanced), "err = %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCatReprRoundTrip(t *testing.T) {
	require.Equal(t, `"a\\b\"c\n\r\t\a\b\x00\xff~ "`, catRepr("a\\b\"c\n\r\t\a\b\x00\xff~ "))
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.IntN(20))
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		if len(b) > 0 && i%2 == 0 {
			b[0] = 0 // NUL must survive quoting
		}
		got, err := splitArgs(catRepr(string(b)))
		require.NoError(t, err)
		require.Equal(t, []string{string(b)}, got)
	}
}
