package resp

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSplitArgs follows sdssplitargs in Redis's sds.c; the cases marked
// "observed" were checked as inline commands (ECHO ...) on redis-server
// 7.0.15.
func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
		err  bool
	}{
		{"empty", "", nil, false},
		{"blanks", " \t\r\n\v\f ", nil, false},
		{"words", "set foo bar", []string{"set", "foo", "bar"}, false},
		{"many spaces", "  a   b  ", []string{"a", "b"}, false},
		{"tab sep", "a\tb", []string{"a", "b"}, false},      // observed
		{"vt inside word", "a\vb", []string{"a\vb"}, false}, // observed
		{"dq", `"hello world"`, []string{"hello world"}, false},
		{"dq empty", `""`, []string{""}, false}, // observed
		{"dq escapes", `"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}, false},
		{"dq hex", `"\x41\x4g\x7e\xFF"`, []string{"A" + "x4g" + "~\xff"}, false}, // observed
		{"dq unterminated", `"abc`, nil, true},
		{"dq trailing backslash", `"abc\`, nil, true},
		{"dq close then char", `"a"b`, nil, true},                   // observed
		{"dq close then vt", "\"a\"\vb", []string{"a", "b"}, false}, // observed
		{"quote opens mid word", `a"b c"d`, nil, true},
		{"quote mid word", `a"b"`, []string{"ab"}, false}, // observed
		{"sq", `'hello world'`, []string{"hello world"}, false},
		{"sq escape", `'a\'b'`, []string{"a'b"}, false}, // observed
		{"sq other escapes literal", `'a\nb\\c'`, []string{`a\nb\\c`}, false},
		{"sq backslash before close", `'a\\'`, nil, true},
		{"sq unterminated", `'abc`, nil, true},
		{"sq close then char", `'a'b`, nil, true},
		{"mixed", `set "k 1" 'v 2' x`, []string{"set", "k 1", "v 2", "x"}, false},
		{"nul ends line", "a b\x00c d", []string{"a", "b"}, false},
		{"nul in quotes", "\"a\x00\"", nil, true},
		{"crlf", "PING\r\n", []string{"PING"}, false},
		{"high bytes", "\xff\xfe", []string{"\xff\xfe"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SplitArgs(tt.line)
			if tt.err {
				require.Error(t, err)
				require.True(t, errors.Is(err, ErrUnbalancedQuotes))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
