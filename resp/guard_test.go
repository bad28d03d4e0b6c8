package resp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scriptConn is a net.Conn whose reads return the given chunks in order,
// then io.EOF, and whose writes are recorded.
type scriptConn struct {
	chunks [][]byte
	wrote  bytes.Buffer
}

func (c *scriptConn) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}
func (c *scriptConn) Write(p []byte) (int, error)      { return c.wrote.Write(p) }
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return nil }
func (c *scriptConn) RemoteAddr() net.Addr             { return nil }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// chunked splits s into pieces of size n (n <= 0: one piece).
func chunked(s []byte, n int) [][]byte {
	if n <= 0 || n >= len(s) {
		return [][]byte{append([]byte(nil), s...)}
	}
	var out [][]byte
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, append([]byte(nil), s[:k]...))
		s = s[k:]
	}
	return out
}

// drain reads g to the end with a buffer of bufSize and returns what it
// passed, what it wrote to the connection and the final error.
func drain(t testing.TB, chunks [][]byte, l Limits, bufSize int) (passed, wrote []byte, err error) {
	c := &scriptConn{chunks: chunks}
	g := NewGuard(c, l)
	buf := make([]byte, bufSize)
	for i := 0; ; i++ {
		n, rerr := g.Read(buf)
		passed = append(passed, buf[:n]...)
		if rerr != nil {
			// Once failed, it stays failed and writes nothing more.
			before := c.wrote.Len()
			n2, err2 := g.Read(buf)
			require.Zero(t, n2)
			require.Equal(t, rerr, err2)
			require.Equal(t, before, c.wrote.Len())
			return passed, c.wrote.Bytes(), rerr
		}
		if i > 10*len(chunks)+1000000 {
			t.Fatal("guard does not make progress")
		}
	}
}

func TestGuardErrors(t *testing.T) {
	big := strings.Repeat("1", 64*1024+1)
	tests := []struct {
		name   string
		in     string
		passed string // normalised bytes before the offending command
		reply  string // "" for a silent close
		limits func(*Limits)
	}{
		{"bulk too long", "*1\r\n$536870913\r\n", "*1\r\n", "-ERR Protocol error: invalid bulk length\r\n", nil},
		{"bulk huge", "*1\r\n$99999999999\r\n", "*1\r\n", "-ERR Protocol error: invalid bulk length\r\n", nil},
		{"bulk negative", "*1\r\n$-1\r\n", "*1\r\n", "-ERR Protocol error: invalid bulk length\r\n", nil},
		{"bulk empty len", "*1\r\n$\r\n", "*1\r\n", "-ERR Protocol error: invalid bulk length\r\n", nil},
		{"bulk plus", "*1\r\n$+4\r\nPING\r\n", "*1\r\n", "-ERR Protocol error: invalid bulk length\r\n", nil},
		{"expected dollar", "*1\r\nx3\r\n", "*1\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n", nil},
		{"expected dollar cr", "*1\r\n\r\n", "*1\r\n", "-ERR Protocol error: expected '$', got ' '\r\n", nil},
		{"mbulk letters", "*abc\r\n", "", "-ERR Protocol error: invalid multibulk length\r\n", nil},
		{"mbulk empty", "*\r\n", "", "-ERR Protocol error: invalid multibulk length\r\n", nil},
		{"mbulk plus", "*+1\r\n$4\r\nPING\r\n", "", "-ERR Protocol error: invalid multibulk length\r\n", nil},
		{"mbulk leading zero", "*01\r\n$4\r\nPING\r\n", "", "-ERR Protocol error: invalid multibulk length\r\n", nil},
		{"mbulk minus zero", "*-0\r\n", "", "-ERR Protocol error: invalid multibulk length\r\n", nil},
		{"mbulk over INT_MAX", "*2147483648\r\n", "", "-ERR Protocol error: invalid multibulk length\r\n", nil},
		{"mbulk over limit", "*11\r\n", "", "-ERR Protocol error: invalid multibulk length\r\n",
			func(l *Limits) { l.MaxMultibulkLen = 10 }},
		{"mbulk count too big", "*" + big, "", "-ERR Protocol error: too big mbulk count string\r\n", nil},
		{"bulk count too big", "*1\r\n$" + big, "*1\r\n", "-ERR Protocol error: too big bulk count string\r\n", nil},
		{"bulk count junk too big", "*1\r\n" + strings.Repeat("X", 70000), "*1\r\n", "-ERR Protocol error: too big bulk count string\r\n", nil},
		{"inline too big", strings.Repeat("a", 64*1024+1), "", "-ERR Protocol error: too big inline request\r\n", nil},
		{"inline nul stuck", "PING\x00\r\n" + strings.Repeat("a", 64*1024), "", "-ERR Protocol error: too big inline request\r\n", nil},
		{"unbalanced", "ECHO \"a\"b\r\n", "", "-ERR Protocol error: unbalanced quotes in request\r\n", nil},
		{"unbalanced open", "ECHO \"abc\r\n", "", "-ERR Protocol error: unbalanced quotes in request\r\n", nil},
		{"after good commands",
			"*1\r\n$4\r\nPING\r\nPING\r\n*1\r\n$x\r\n",
			"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n",
			"-ERR Protocol error: invalid bulk length\r\n", nil},
		{"small max bulk", "*1\r\n$5\r\nhello\r\n", "*1\r\n", "-ERR Protocol error: invalid bulk length\r\n",
			func(l *Limits) { l.MaxBulkLen = 4 }},
		{"query buffer", "*1\r\n$100\r\n" + strings.Repeat("z", 100), "*1\r\n$100\r\n" + strings.Repeat("z", 50), "",
			func(l *Limits) { l.MaxQueryBuffer = 50 }},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 3, 7} {
			for _, bufSize := range []int{1, 5, 16384} {
				l := DefaultLimits()
				if tt.limits != nil {
					tt.limits(&l)
				}
				passed, wrote, err := drain(t, chunked([]byte(tt.in), chunk), l, bufSize)
				require.Error(t, err, tt.name)
				if tt.reply == "" {
					require.ErrorIs(t, err, ErrQueryBufferLimit, tt.name)
				} else {
					require.ErrorIs(t, err, ErrProtocol, tt.name)
					var pe *ProtocolError
					require.True(t, errors.As(err, &pe))
					require.Equal(t, tt.reply, "-ERR "+pe.Reply+"\r\n", tt.name)
				}
				require.Equal(t, tt.reply, string(wrote), "%s chunk=%d buf=%d", tt.name, chunk, bufSize)
				// The passed bytes may end with a prefix of the offending
				// command, never with more.
				require.True(t, strings.HasPrefix(tt.passed, string(passed)) || strings.HasPrefix(string(passed), tt.passed),
					"%s chunk=%d buf=%d: passed %q", tt.name, chunk, bufSize, passed)
				require.LessOrEqual(t, len(passed), len(tt.passed), tt.name)
				// The complete commands before the offending one are all there.
				want, _ := parseAll(t, []byte(tt.passed))
				got, _ := parseAll(t, passed)
				require.Equal(t, want, got, "%s chunk=%d buf=%d", tt.name, chunk, bufSize)
			}
		}
	}
}

// parseAll parses commands until the input ends or fails.
func parseAll(t testing.TB, b []byte) (cmds [][]string, err error) {
	for len(b) > 0 {
		args, n, err := ParseCommand(b, 0)
		if err != nil {
			return cmds, err
		}
		if len(args) > 0 {
			var c []string
			for _, a := range args {
				c = append(c, string(a))
			}
			cmds = append(cmds, c)
		}
		b = b[n:]
	}
	return cmds, nil
}

func TestGuardPassThrough(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"pipeline", "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\n\x00x\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n",
			"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\n\x00x\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n"},
		{"empty commands dropped", "*0\r\n*-1\r\n*-5\r\n\r\n\n  \t \r\n*1\r\n$4\r\nPING\r\n", "*1\r\n$4\r\nPING\r\n"},
		{"inline", "PING\r\nSET k \"a b\"\n", "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n"},
		{"inline empty arg", "ECHO \"\"\r\n", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"},
		{"lax terminators", "*1\rX$4\rXPINGxx*1\r\n$4\r\nPING\r\n", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"},
		{"incomplete tail", "*2\r\n$4\r\nECHO\r\n$5\r\nhel", "*2\r\n$4\r\nECHO\r\n$5\r\nhel"},
		{"incomplete header held", "*1\r\n$4", "*1\r\n"},
		{"big arg", "*1\r\n$70000\r\n" + strings.Repeat("q", 70000) + "\r\n", "*1\r\n$70000\r\n" + strings.Repeat("q", 70000) + "\r\n"},
		{"max bulk exactly", "*1\r\n$536870912\r\n", "*1\r\n$536870912\r\n"},
		{"big count", "*2147483647\r\n", "*2147483647\r\n"},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 2, 5} {
			for _, bufSize := range []int{1, 3, 64, 16384} {
				passed, wrote, err := drain(t, chunked([]byte(tt.in), chunk), DefaultLimits(), bufSize)
				require.ErrorIs(t, err, io.EOF, tt.name)
				require.Empty(t, wrote)
				require.Equal(t, tt.want, string(passed), "%s chunk=%d buf=%d", tt.name, chunk, bufSize)
			}
		}
	}
}

func TestGuardAuth(t *testing.T) {
	tests := []struct {
		in, reply string
	}{
		{"*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"},
		{"*10\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
		{"*1\r\n$16384\r\n", ""},
	}
	for _, tt := range tests {
		c := &scriptConn{chunks: [][]byte{[]byte(tt.in)}}
		g := NewGuard(c, DefaultLimits())
		g.SetAuthRequired(true)
		_, err := io.ReadAll(g)
		require.Equal(t, tt.reply, c.wrote.String())
		if tt.reply == "" {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, ErrProtocol)
		}
	}
	c := &scriptConn{chunks: [][]byte{[]byte("*11\r\n")}}
	g := NewGuard(c, DefaultLimits())
	g.SetAuthRequired(true)
	g.SetAuthRequired(false)
	_, err := io.ReadAll(g)
	require.NoError(t, err)
}

// TestGuardErrorOrder checks that the error reply is written only on the
// Read after the one that returned the good commands.
func TestGuardErrorOrder(t *testing.T) {
	c := &scriptConn{chunks: [][]byte{[]byte("*1\r\n$4\r\nPING\r\n*1\r\n$-2\r\n")}}
	g := NewGuard(c, DefaultLimits())
	buf := make([]byte, 100)
	n, err := g.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "*1\r\n$4\r\nPING\r\n*1\r\n", string(buf[:n]))
	require.Zero(t, c.wrote.Len())
	n, err = g.Read(buf)
	require.Zero(t, n)
	require.ErrorIs(t, err, ErrProtocol)
	require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", c.wrote.String())
	require.Equal(t, c, g.Unwrap())
}

// TestGuardTCP runs the guard on a real TCP connection, with the client
// writing one byte at a time.
func TestGuardTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	in := "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nPING\r\n*1\r\n$3\r\nGET\r\n*1\r\n$99999999999\r\n"
	var wg sync.WaitGroup
	wg.Add(1)
	var reply []byte
	go func() {
		defer wg.Done()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		defer c.Close()
		for i := 0; i < len(in); i++ {
			if _, err := c.Write([]byte{in[i]}); err != nil {
				return
			}
		}
		reply, _ = io.ReadAll(c)
	}()
	gl := NewListener(ln, DefaultLimits())
	sc, err := gl.Accept()
	require.NoError(t, err)
	g := sc.(*Guard)
	var passed []byte
	buf := make([]byte, 4096)
	for {
		n, err := g.Read(buf)
		passed = append(passed, buf[:n]...)
		if err != nil {
			require.ErrorIs(t, err, ErrProtocol)
			break
		}
	}
	require.NoError(t, g.Close())
	wg.Wait()
	require.Equal(t, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPING\r\n*1\r\n$3\r\nGET\r\n*1\r\n", string(passed))
	require.Equal(t, "-ERR Protocol error: invalid bulk length\r\n", string(reply))
}

// TestGuardSetLimitsConcurrent changes limits while reading (run with
// -race).
func TestGuardSetLimitsConcurrent(t *testing.T) {
	in := bytes.Repeat([]byte("*1\r\n$4\r\nPING\r\n"), 1000)
	c := &scriptConn{chunks: chunked(in, 7)}
	g := NewGuard(c, DefaultLimits())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 100; i++ {
			l := DefaultLimits()
			l.MaxBulkLen = int64(100 + i)
			g.SetLimits(l)
		}
	}()
	out, err := io.ReadAll(g)
	<-done
	require.NoError(t, err)
	require.Equal(t, in, out)
}

func BenchmarkGuardRead(b *testing.B) {
	cmd := []byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$32\r\nvalue-value-value-value-value-vv\r\n")
	in := bytes.Repeat(cmd, 16384/len(cmd))
	c := &loopConn{data: in}
	g := NewGuard(c, DefaultLimits())
	buf := make([]byte, 16384)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.off = 0
		for c.off < len(c.data) {
			if _, err := g.Read(buf); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// loopConn serves data once per reset, in reads of at most 4096 bytes
// (straddling commands).
type loopConn struct {
	scriptConn
	data []byte
	off  int
}

func (c *loopConn) Read(p []byte) (int, error) {
	if c.off >= len(c.data) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 4093)], c.data[c.off:])
	c.off += n
	return n, nil
}

func TestListenerAuth(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gl := NewListener(ln, DefaultLimits())
	defer gl.Close()
	gl.SetAuthRequired(true)
	l := DefaultLimits()
	l.MaxBulkLen = 3
	gl.SetLimits(l)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			_, _ = c.Write([]byte("*11\r\n"))
			_, _ = io.ReadAll(c)
			c.Close()
		}
	}()
	c, err := gl.Accept()
	require.NoError(t, err)
	defer c.Close()
	g := c.(*Guard)
	require.Equal(t, int64(3), g.maxBulk.Load())
	_, err = io.ReadAll(g)
	var pe *ProtocolError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, msgUnauthMultibulk, pe.Reply)
}
