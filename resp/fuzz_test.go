package resp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// addSeeds adds every file under testdata/resp as a seed, plus extra.
func addSeeds(f *testing.F, extra ...string) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "resp", "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

var seedCommands = []string{
	"*1\r\n$4\r\nPING\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n*0\r\n*-1\r\n\n",
	"*1\rX$4\rXPINGxx",
	"ECHO \"a\\x41\" 'b\\'c'\r\n",
	"*1\r\n$99999999999\r\n",
	"*1\r\nx3\r\n",
	"*2147483648\r\n",
	"a\x00b\r\n",
}

// allocBytes returns how many bytes fn allocates.
func allocBytes(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// checkAllocBound fails when fn allocates more than perByte bytes per input
// byte (plus a constant): allocation must follow the input, never a count
// read from it.
func checkAllocBound(t *testing.T, in []byte, perByte uint64, fn func()) {
	if got, limit := allocBytes(fn), perByte*uint64(len(in))+64<<10; got > limit {
		t.Fatalf("allocated %d bytes for %d input bytes", got, len(in))
	}
}

// FuzzParseValue: no panic, n within bounds, the result does not depend
// on how much follows, and a prefix is incomplete or the same error.
func FuzzParseValue(f *testing.F) {
	addSeeds(f, "+OK\r\n", "*2\r\n:1\r\n$1\r\nx\r\n", "%1\r\n+a\r\n#t\r\n", "*-1\r\n", ">2\r\n~1\r\n_\r\n,1.5\r\n", "=6\r\ntxt:hi\r\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAllocBound(t, b, 128, func() { _, _, _ = ParseValue(b) })
		v, n, err := ParseValue(b)
		if err != nil {
			if !errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrProtocol) {
				t.Fatalf("unexpected error kind %v", err)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("n=%d len=%d", n, len(b))
		}
		_ = v
		// Split in two: the first part alone is incomplete.
		for _, k := range []int{0, n / 2, n - 1} {
			if _, _, err := ParseValue(b[:k]); !errors.Is(err, ErrIncomplete) {
				t.Fatalf("prefix %d of complete value: %v", k, err)
			}
		}
		if _, n2, err := ParseValue(append(b[:n:n], "garbage"...)); err != nil || n2 != n {
			t.Fatalf("trailing bytes changed result: %v %d", err, n2)
		}
	})
}

// FuzzParseCommand: no panic; whole and split in two give the same.
func FuzzParseCommand(f *testing.F) {
	addSeeds(f, seedCommands...)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAllocBound(t, b, 64, func() { _, _, _ = ParseCommand(b, 0) })
		args, n, err := ParseCommand(b, 0)
		if err != nil {
			if !errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrProtocol) {
				t.Fatalf("unexpected error kind %v", err)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("n=%d len=%d", n, len(b))
		}
		// Resuming after a split gives the same command.
		for _, k := range []int{n / 2, n - 1} {
			var st cmdState
			if _, _, err := st.parse(b[:k], 0); err == nil {
				t.Fatalf("prefix %d of a %d-byte command parsed", k, n)
			}
			args2, n2, err := st.parse(b, 0)
			if err != nil || n2 != n || len(args2) != len(args) {
				t.Fatalf("resumed parse differs: %v %d", err, n2)
			}
			for i := range args {
				if !bytes.Equal(args[i], args2[i]) {
					t.Fatalf("arg %d differs", i)
				}
			}
		}
		// A connection's CommandParser, resumed after a split and
		// appending to a slab that already holds arguments, gives the
		// same arguments after the slab's own.
		var p CommandParser
		slab := [][]byte{[]byte("earlier")}
		if _, _, err := p.Parse(slab, b[:n/2], 0); err == nil {
			t.Fatalf("prefix %d of a %d-byte command parsed", n/2, n)
		}
		got, n3, err := p.Parse(slab, b, 0)
		if err != nil || n3 != n || len(got) != 1+len(args) || string(got[0]) != "earlier" {
			t.Fatalf("CommandParser: %v n=%d len=%d, want n=%d len=%d", err, n3, len(got), n, 1+len(args))
		}
		for i := range args {
			if !bytes.Equal(args[i], got[1+i]) {
				t.Fatalf("CommandParser: arg %d differs", i)
			}
		}
	})
}

// FuzzSplitArgs: no panic, and quoting each argument back gives the same
// arguments.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"set a b", `"a\x41\n" 'b\'c'`, `a"b"`, `"unterminated`, "a\vb \"c\"\fd"} {
		f.Add(s)
	}
	// The inline commands of testdata/resp, a line each.
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "resp", "inline.txt")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f.Add(strings.TrimSuffix(l, "\r"))
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, err := SplitArgs(line)
		if err != nil {
			if !errors.Is(err, ErrUnbalancedQuotes) {
				t.Fatal(err)
			}
			return
		}
		// Round trip: quote each argument with \xHH escapes.
		var q []byte
		for _, a := range args {
			q = append(q, '"')
			for i := 0; i < len(a); i++ {
				q = append(q, '\\', 'x', "0123456789abcdef"[a[i]>>4], "0123456789abcdef"[a[i]&15])
			}
			q = append(q, '"', ' ')
		}
		back, err := SplitArgs(string(q))
		if err != nil || len(back) != len(args) {
			t.Fatalf("round trip: %v %q vs %q", err, back, args)
		}
		for i := range args {
			if back[i] != args[i] {
				t.Fatalf("round trip arg %d: %q vs %q", i, back[i], args[i])
			}
		}
	})
}

// FuzzGuard feeds the guard the input split at fuzzed points and checks it
// against ParseCommand, its naive twin: the commands it passes are the
// commands Redis would run, in order, and a violation yields Redis's reply.
func FuzzGuard(f *testing.F) {
	for _, s := range seedCommands {
		f.Add([]byte(s), uint16(1), uint16(3))
	}
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "resp", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, uint16(7), uint16(100))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk, bufSize uint16) {
		chunks := chunked(in, int(chunk%64))
		own := chunked(in, int(chunk%64)) // the test's allocations stay outside
		buf := make([]byte, 512)
		checkAllocBound(t, in, 16, func() {
			g := NewGuard(&scriptConn{chunks: own}, DefaultLimits())
			for {
				if _, err := g.Read(buf); err != nil {
					break
				}
			}
		})
		passed, wrote, err := drain(t, chunks, DefaultLimits(), int(bufSize%300)+1)
		want, perr := parseAll(t, in)
		got, gerr := parseAll(t, passed)
		if gerr != nil && !errors.Is(gerr, ErrIncomplete) {
			t.Fatalf("guard passed unparsable bytes %q: %v", passed, gerr)
		}
		if len(got) != len(want) {
			t.Fatalf("guard passed %d commands, Redis runs %d\nin=%q\npassed=%q", len(got), len(want), in, passed)
		}
		for i := range want {
			if len(got[i]) != len(want[i]) {
				t.Fatalf("command %d differs: %q vs %q", i, got[i], want[i])
			}
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("command %d differs: %q vs %q", i, got[i], want[i])
				}
			}
		}
		var pe *ProtocolError
		switch {
		case errors.As(perr, &pe):
			if string(wrote) != "-ERR "+pe.Reply+"\r\n" || !errors.Is(err, ErrProtocol) {
				t.Fatalf("want reply %q, guard wrote %q (%v)", pe.Reply, wrote, err)
			}
		default:
			if len(wrote) != 0 || err != io.EOF {
				t.Fatalf("guard failed a valid stream: %q %v", wrote, err)
			}
		}
		// Canonical input passes byte for byte.
		if perr == nil && isCanonical(in) && !bytes.Equal(passed, in) {
			t.Fatalf("canonical input changed: %q -> %q", in, passed)
		}
	})
}

// isCanonical reports whether in is a sequence of complete, non-empty
// multibulk commands with CRLF everywhere, which the guard must pass
// unchanged.
func isCanonical(in []byte) bool {
	for len(in) > 0 {
		if in[0] != '*' {
			return false
		}
		args, n, err := ParseCommand(in, 0)
		if err != nil || len(args) == 0 {
			return false
		}
		var re []byte
		re = AppendArrayLen(re, len(args))
		for _, a := range args {
			re = AppendBulk(re, a)
		}
		if !bytes.Equal(re, in[:n]) {
			return false
		}
		in = in[n:]
	}
	return true
}

// FuzzEOFMarkReader: the payload before the mark comes out exactly, however
// the stream is split, and what follows stays in the Reader.
func FuzzEOFMarkReader(f *testing.F) {
	f.Add([]byte("REDIS0011\xff"), []byte("tail"), uint8(0))
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456"), []byte(""), uint8(1))
	f.Add([]byte(""), []byte("*1\r\n$4\r\nPING\r\n"), uint8(2))
	mark := []byte("0123456789abcdef0123456789abcdef01234567")
	f.Fuzz(func(t *testing.T, payload, after []byte, mode uint8) {
		if bytes.Contains(append(payload, mark[:len(mark)-1]...), mark) {
			return // the payload itself contains the mark
		}
		stream := append(append(append([]byte{}, payload...), mark...), after...)
		var src io.Reader = bytes.NewReader(stream)
		switch mode % 3 {
		case 1:
			src = iotest.OneByteReader(src)
		case 2:
			src = iotest.HalfReader(src)
		}
		r := NewReader(src)
		got, err := io.ReadAll(NewEOFMarkReader(r, mark))
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("payload %q, got %q, %v", payload, got, err)
		}
		rest, _ := io.ReadAll(r)
		if !bytes.Equal(rest, after) {
			t.Fatalf("after %q, got %q", after, rest)
		}
	})
}

// FuzzReaderCommand reads a master stream split at fuzzed points and checks
// every command and byte count against ParseCommand on the whole input.
func FuzzReaderCommand(f *testing.F) {
	for _, s := range seedCommands {
		f.Add([]byte(s), uint8(1))
	}
	f.Add([]byte("\n\r\n*1\r\n$4\r\nPING\r\n"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		var src io.Reader = bytes.NewReader(in)
		switch mode % 3 {
		case 1:
			src = iotest.OneByteReader(src)
		case 2:
			src = iotest.HalfReader(src)
		}
		r := NewReader(src)
		rest := in
		for {
			args, n, err := r.ReadCommand()
			if len(rest) == 0 {
				if err != io.EOF {
					t.Fatalf("at end: %v", err)
				}
				return
			}
			if rest[0] != '*' {
				i := bytes.IndexByte(rest, '\n')
				switch {
				case i < 0:
					if err == nil {
						t.Fatalf("unterminated line accepted")
					}
					return
				case i == 0 || (i == 1 && rest[0] == '\r'):
					if err != nil || args != nil || n != int64(i+1) {
						t.Fatalf("keep-alive: %v %d", err, n)
					}
					rest = rest[i+1:]
					continue
				default:
					if !errors.Is(err, ErrProtocol) {
						t.Fatalf("inline from master: %v", err)
					}
					return
				}
			}
			wantArgs, m, perr := ParseCommand(rest, 1<<62)
			if perr != nil {
				if err == nil {
					t.Fatalf("reader accepted what ParseCommand refuses: %v", perr)
				}
				return
			}
			if err != nil || n != int64(m) || len(args) != len(wantArgs) {
				t.Fatalf("reader %v n=%d args=%d, want n=%d args=%d", err, n, len(args), m, len(wantArgs))
			}
			for i := range args {
				if !bytes.Equal(args[i], wantArgs[i]) {
					t.Fatalf("arg %d differs", i)
				}
			}
			rest = rest[m:]
		}
	})
}
