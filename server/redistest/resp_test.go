package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

var parseSeeds = []string{
	"+OK\r\n",
	"-ERR wrong number of arguments for 'get' command\r\n",
	":-9223372036854775808\r\n",
	"$-1\r\n",
	"$0\r\n\r\n",
	"$5\r\na\r\nbc\r\n",
	"*-1\r\n",
	"*0\r\n",
	"*3\r\n:1\r\n$1\r\na\r\n*1\r\n$-1\r\n",
	"_\r\n",
	",3.14\r\n",
	",inf\r\n",
	"#t\r\n",
	"!21\r\nSYNTAX invalid syntax\r\n",
	"=15\r\ntxt:Some string\r\n",
	"(3492890328409238509324850943850943825024385\r\n",
	"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
	"~2\r\n+a\r\n+b\r\n",
	">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nmsg\r\n",
	"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:1\r\n",
	"*2\r\n*2\r\n*0\r\n%0\r\n~0\r\n",
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // Value.String()
		n    int
	}{
		{"simple", "+OK\r\nrest", "OK", 5},
		{"error", "-ERR x\r\n", "(error) ERR x", 8},
		{"int", ":-12\r\n", "-12", 6},
		{"null bulk", "$-1\r\n", "(nil)", 5},
		{"empty bulk", "$0\r\n\r\n", `""`, 6},
		{"binary bulk", "$5\r\na\r\nbc\r\n", `"a\r\nbc"`, 11},
		{"null array", "*-1\r\n", "(nil)", 5},
		{"nested", "*3\r\n:1\r\n$1\r\na\r\n*1\r\n$-1\r\n", `[1 "a" [(nil)]]`, 24},
		{"resp3 null", "_\r\n", "(nil)", 3},
		{"double", ",3.14\r\n", "3.14", 7},
		{"bool", "#f\r\n", "f", 4},
		{"blob error", "!6\r\nERR no\r\n", "(error) ERR no", 12},
		{"verbatim", "=7\r\ntxt:abc\r\n", `"txt:abc"`, 13},
		{"map", "%1\r\n+a\r\n:1\r\n", "{a 1}", 12},
		{"set", "~1\r\n+a\r\n", "~[a]", 8},
		{"push", ">2\r\n+a\r\n+b\r\n", ">[a b]", 12},
		{"attribute", "|1\r\n+k\r\n+v\r\n:7\r\n", "7", 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, v.String())
			require.Equal(t, tt.n, n)
		})
	}
}

func TestParseAttribute(t *testing.T) {
	v, _, err := Parse([]byte("|1\r\n+k\r\n+v\r\n:7\r\n"))
	require.NoError(t, err)
	require.Equal(t, int64(7), v.Int)
	require.Len(t, v.Attrs, 2)
	require.Equal(t, "k", v.Attrs[0].Str)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrIncomplete},
		{"no crlf yet", "+OK", ErrIncomplete},
		{"short bulk", "$5\r\nab\r\n", ErrIncomplete},
		{"short array", "*2\r\n:1\r\n", ErrIncomplete},
		{"bare lf", "+OK\n", ErrProtocol},
		{"bad type", "?x\r\n", ErrProtocol},
		{"bad int", ":12a\r\n", ErrProtocol},
		{"bad length", "$-2\r\n", ErrProtocol},
		{"huge length", "$99999999999\r\n", ErrProtocol},
		{"bulk without crlf", "$2\r\nabcd\r\n", ErrProtocol},
		{"null map", "%-1\r\n", ErrProtocol},
		{"bad bool", "#x\r\n", ErrProtocol},
		{"bad null", "_x\r\n", ErrProtocol},
		{"empty line", "\r\n", ErrProtocol},
		{"verbatim without format", "=2\r\nab\r\n", ErrProtocol},
		{"too deep", string(bytes.Repeat([]byte("*1\r\n"), MaxDepth+2)) + ":1\r\n", ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tt.in))
			require.ErrorIs(t, err, tt.want)
		})
	}
}

// TestReadReplyMatchesParse checks the streaming reader against Parse: same
// value, raw bytes exactly the reply, and the next reply still readable.
func TestReadReplyMatchesParse(t *testing.T) {
	for _, seed := range parseSeeds {
		in := seed + "+NEXT\r\n"
		br := bufio.NewReaderSize(bytes.NewReader([]byte(in)), 16)
		raw, v, err := readReply(br)
		require.NoError(t, err, "%q", seed)
		require.Equal(t, seed, string(raw))
		pv, n, err := Parse([]byte(in))
		require.NoError(t, err)
		require.Equal(t, len(seed), n)
		require.Equal(t, pv, v)
		_, next, err := readReply(br)
		require.NoError(t, err)
		require.Equal(t, "NEXT", next.Str)
	}
}

func TestAppendCommand(t *testing.T) {
	got := AppendCommand(nil, "SET", "k", "")
	require.Equal(t, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", string(got))
	v, _, err := Parse(got)
	require.NoError(t, err)
	require.Equal(t, `["SET" "k" ""]`, v.String())
}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(in []byte) {
			v, n, err := Parse(in)
			if err != nil {
				if !errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrProtocol) {
					t.Fatalf("unmarked error %v", err)
				}
				return
			}
			if n <= 0 || n > len(in) {
				t.Fatalf("consumed %d of %d", n, len(in))
			}
			// The streaming reader agrees and its raw bytes are the reply.
			raw, sv, err := readReply(bufio.NewReader(bytes.NewReader(in)))
			if err != nil || !bytes.Equal(raw, in[:n]) {
				t.Fatalf("stream reader: %v raw %q want %q", err, raw, in[:n])
			}
			if sv.String() != v.String() {
				t.Fatalf("stream value %s, parse value %s", sv, v)
			}
		}
		check(b)
		// Whole and split in two: a prefix never parses to something
		// longer than itself, and is at worst incomplete.
		for _, cut := range []int{len(b) / 2, len(b) / 3} {
			check(b[:cut])
		}
		allocs := testing.AllocsPerRun(1, func() { _, _, _ = Parse(b) })
		if allocs > float64(len(b))+16 {
			t.Fatalf("%v allocations for %d bytes", allocs, len(b))
		}
	})
}
