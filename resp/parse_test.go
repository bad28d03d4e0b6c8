package resp

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Value
	}{
		{"simple", "+OK\r\n", Value{Kind: KindSimple, Str: []byte("OK")}},
		{"error", "-ERR x\r\n", Value{Kind: KindError, Str: []byte("ERR x")}},
		{"int", ":-12\r\n", Value{Kind: KindInt, Int: -12}},
		{"bulk", "$3\r\na\r\n\r\n", Value{Kind: KindBulk, Str: []byte("a\r\n")}},
		{"bulk empty", "$0\r\n\r\n", Value{Kind: KindBulk, Str: []byte{}}},
		{"null bulk", "$-1\r\n", Value{Kind: KindBulk, Null: true}},
		{"null array", "*-1\r\n", Value{Kind: KindArray, Null: true}},
		{"null3", "_\r\n", Value{Kind: KindNull, Null: true}},
		{"array", "*2\r\n:1\r\n$1\r\nx\r\n", Value{Kind: KindArray, Array: []Value{{Kind: KindInt, Int: 1}, {Kind: KindBulk, Str: []byte("x")}}}},
		{"empty array", "*0\r\n", Value{Kind: KindArray, Array: []Value{}}},
		{"double", ",1.5\r\n", Value{Kind: KindDouble, Str: []byte("1.5")}},
		{"bool", "#t\r\n", Value{Kind: KindBool, Int: 1}},
		{"bool f", "#f\r\n", Value{Kind: KindBool}},
		{"verbatim", "=6\r\ntxt:hi\r\n", Value{Kind: KindVerbatim, Str: []byte("txt:hi")}},
		{"blob error", "!3\r\nERR\r\n", Value{Kind: KindBlobError, Str: []byte("ERR")}},
		{"bignum", "(123\r\n", Value{Kind: KindBigNumber, Str: []byte("123")}},
		{"map", "%1\r\n+a\r\n:1\r\n", Value{Kind: KindMap, Array: []Value{{Kind: KindSimple, Str: []byte("a")}, {Kind: KindInt, Int: 1}}}},
		{"set", "~1\r\n_\r\n", Value{Kind: KindSet, Array: []Value{{Kind: KindNull, Null: true}}}},
		{"push", ">1\r\n+x\r\n", Value{Kind: KindPush, Array: []Value{{Kind: KindSimple, Str: []byte("x")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in + "+next\r\n"
			v, n, err := ParseValue([]byte(in))
			require.NoError(t, err)
			require.Equal(t, len(tt.in), n)
			require.Equal(t, tt.want, v)
			// Every proper prefix is incomplete.
			for i := 0; i < len(tt.in); i++ {
				_, _, err := ParseValue([]byte(tt.in[:i]))
				require.ErrorIs(t, err, ErrIncomplete, "prefix %d", i)
			}
		})
	}
}

func TestParseValueErrors(t *testing.T) {
	for _, in := range []string{
		"?\r\n", ":abc\r\n", ":+1\r\n", "$-2\r\n", "$x\r\n", "$3\r\nabcde", "*-2\r\n",
		"%-1\r\n", "#x\r\n", "_x\r\n", "+a\rb\r\n", "+a\n", "*1\r\n?\r\n", "!-1\r\n",
		"*2147483648\r\n", strings.Repeat("*1\r\n", maxDepth+2) + ":1\r\n",
	} {
		_, _, err := ParseValue([]byte(in))
		require.ErrorIs(t, err, ErrProtocol, "%q", in)
	}
	// A huge count is incomplete without allocating for it.
	huge := []byte("*2147483647\r\n:1\r\n")
	allocs := testing.AllocsPerRun(10, func() {
		_, _, err := ParseValue(huge)
		require.ErrorIs(t, err, ErrIncomplete)
	})
	require.Zero(t, allocs)
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		n    int
	}{
		{"mbulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", []string{"GET", "k"}, 20},
		{"mbulk lax", "*1\rx$4\ryPINGzz", []string{"PING"}, 14},
		{"mbulk binary", "*1\r\n$4\r\n\r\n\x00\n\r\n", []string{"\r\n\x00\n"}, 14},
		{"mbulk empty arg", "*1\r\n$0\r\n\r\n", []string{""}, 10},
		{"empty", "*0\r\n", nil, 4},
		{"null", "*-1\r\n", nil, 5},
		{"inline", "SET a \"b c\"\r\n", []string{"SET", "a", "b c"}, 13},
		{"inline lf", "PING\n", []string{"PING"}, 5},
		{"keepalive", "\n", nil, 1},
		{"blank", "  \r\n", nil, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in + "*1\r\n$4\r\nPING\r\n"
			args, n, err := ParseCommand([]byte(in), 0)
			require.NoError(t, err)
			require.Equal(t, tt.n, n)
			var got []string
			for _, a := range args {
				got = append(got, string(a))
			}
			require.Equal(t, tt.want, got)
			for i := 0; i < len(tt.in); i++ {
				_, _, err := ParseCommand([]byte(tt.in[:i]), 0)
				require.ErrorIs(t, err, ErrIncomplete, "prefix %d", i)
			}
		})
	}
}

func TestParseCommandErrors(t *testing.T) {
	big := strings.Repeat("9", 64*1024+1)
	tests := []struct {
		in, reply string
	}{
		{"*x\r\n", msgInvalidMultibulkLength},
		{"*2147483648\r\n", msgInvalidMultibulkLength},
		{"*1\r\n:1\r\n", "Protocol error: expected '$', got ':'"},
		{"*1\r\n$-1\r\n", msgInvalidBulkLength},
		{"*1\r\n$536870913\r\n", msgInvalidBulkLength},
		{"*" + big, msgTooBigMbulkCount},
		{"*" + big + "\r\n", msgTooBigMbulkCount},
		{"*1\r\n$" + big, msgTooBigBulkCount},
		{big, msgTooBigInline},
		{"a\x00\n" + big, msgTooBigInline},
		{"'a\r\n", msgUnbalancedQuotes},
	}
	for _, tt := range tests {
		_, _, err := ParseCommand([]byte(tt.in), 0)
		var pe *ProtocolError
		require.True(t, errors.As(err, &pe), "%.40q: %v", tt.in, err)
		require.Equal(t, tt.reply, pe.Reply)
		require.ErrorIs(t, err, ErrProtocol)
	}
	_, _, err := ParseCommand([]byte("*1\r\n$5\r\nhello\r\n"), 4)
	require.ErrorIs(t, err, ErrProtocol)
}

// TestParseCommandPipeline parses a pipeline split at every point, the way
// a reader sees it, and checks that resuming gives the same commands.
func TestParseCommandPipeline(t *testing.T) {
	in := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n\nPING\r\n*0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	want := [][]string{{"SET", "k", "vv"}, {"PING"}, {"GET", "k"}}
	got, err := parseAll(t, []byte(in))
	require.NoError(t, err)
	require.Equal(t, want, got)
	for split := 0; split <= len(in); split++ {
		var st cmdState
		var cmds [][]string
		buf := []byte(in[:split])
		rest := []byte(in[split:])
		for {
			args, n, err := st.parse(buf, 0)
			if errors.Is(err, ErrIncomplete) {
				if len(rest) == 0 {
					break
				}
				buf = append(buf, rest...)
				rest = nil
				continue
			}
			require.NoError(t, err)
			if len(args) > 0 {
				var c []string
				for _, a := range args {
					c = append(c, string(a))
				}
				cmds = append(cmds, c)
			}
			buf = buf[n:]
		}
		require.Equal(t, want, cmds, "split %d", split)
	}
}

func BenchmarkParseCommand(b *testing.B) {
	cmd := []byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$32\r\nvalue-value-value-value-value-vv\r\n")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := ParseCommand(cmd, 0); err != nil {
			b.Fatal(err)
		}
	}
}
