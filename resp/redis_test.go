package resp

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startRedis starts a real redis-server on a random loopback port and
// returns its address; it skips when redis-server is missing (fails under
// CI).
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server not on PATH")
		}
		t.Skip("redis-server not on PATH")
	}
	for attempt := 0; attempt < 5; attempt++ {
		port := 20000 + rand.Intn(30000)
		cmd := exec.Command(bin, "-")
		cmd.Stdin = strings.NewReader(fmt.Sprintf("port %d\nbind 127.0.0.1\nsave \"\"\nappendonly no\n", port))
		require.NoError(t, cmd.Start())
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if c, err := net.Dial("tcp", addr); err == nil {
				_, _ = c.Write([]byte("PING\r\n"))
				line, _ := bufio.NewReader(c).ReadString('\n')
				c.Close()
				if line == "+PONG\r\n" {
					t.Cleanup(func() {
						_ = cmd.Process.Kill()
						_ = cmd.Wait()
					})
					return addr
				}
			}
			if cmd.ProcessState != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	t.Fatal("could not start redis-server")
	return ""
}

// TestGuardMatchesRedis sends each bad input to a real redis-server and
// checks that Redis's last reply before closing is the one Guard writes.
func TestGuardMatchesRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	addr := startRedis(t)
	big := strings.Repeat("1", 64*1024+20000)
	for _, in := range []string{
		"*1\r\n$536870913\r\n",
		"*1\r\n$99999999999\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n$\r\n",
		"*1\r\nx3\r\n",
		"*1\r\n\r\n",
		"*1\r\n\x7f\r\n",
		"*abc\r\n",
		"*\r\n",
		"*+1\r\n",
		"*01\r\n",
		"*-0\r\n",
		"*2147483648\r\n",
		"*" + big,
		"*1\r\n$" + big,
		"*1\r\n" + strings.Repeat("X", 90000),
		strings.Repeat("a", 90000),
		"PING\x00\r\n" + strings.Repeat("a", 90000),
		"*1\r\n$4\x00\r\nPING\r\n" + strings.Repeat("b", 90000),
		"*1\x00\r\n" + strings.Repeat("c", 90000),
		"ECHO \"a\"b\r\n",
		"ECHO 'a\r\n",
		"PING\r\n*0\r\n*1\rX$4\rXPINGxx*1\r\n$x\r\n",
	} {
		name := in
		if len(name) > 40 {
			name = name[:40]
		}
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		go func() { _, _ = c.Write([]byte(in)) }() // Redis may close before reading it all
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				// EOF, or a reset when Redis closed with our bytes unread.
				var ne net.Error
				require.False(t, errors.As(err, &ne) && ne.Timeout(), "%q: Redis did not close", name)
				break
			}
		}
		c.Close()

		_, wrote, gerr := drain(t, chunked([]byte(in), 0), DefaultLimits(), 16384)
		require.ErrorIs(t, gerr, ErrProtocol, name)
		require.True(t, strings.HasSuffix(string(got), string(wrote)), "%q: Redis said %q, guard %q", name, got, wrote)
	}
}

// redisConn is a minimal RESP client for the differential tests.
type redisConn struct {
	c net.Conn
	r *Reader
}

func dialRedis(t *testing.T, addr string) *redisConn {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &redisConn{c: c, r: NewReader(c)}
}

// do sends a command and returns the reply: a bulk's text, or "-" plus an
// error's text.
func (rc *redisConn) do(t *testing.T, args ...string) string {
	t.Helper()
	b := AppendArrayLen(nil, len(args))
	for _, a := range args {
		b = AppendBulkString(b, a)
	}
	_ = rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err := rc.c.Write(b)
	require.NoError(t, err)
	var buf []byte
	for {
		line, err := rc.r.ReadLine()
		require.NoError(t, err)
		buf = append(buf, line...)
		buf = append(buf, '\r', '\n')
		v, _, err := ParseValue(buf)
		if err == ErrIncomplete {
			continue
		}
		require.NoError(t, err)
		switch v.Kind {
		case KindError:
			return "-" + string(v.Str)
		case KindInt:
			return fmt.Sprint(v.Int)
		}
		return string(v.Str)
	}
}

// TestFormatMatchesRedis checks FormatDouble against ZSCORE and LongDouble
// against INCRBYFLOAT on random values.
func TestFormatMatchesRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	rc := dialRedis(t, startRedis(t))
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 150; i++ {
		var f float64
		switch i % 3 {
		case 0:
			f = math.Float64frombits(rng.Uint64())
		case 1:
			f = rng.NormFloat64() * math.Pow(10, float64(rng.Intn(40)-20))
		default:
			f = float64(rng.Intn(2000000)-1000000) / 1000
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		in := strconv.FormatFloat(f, 'g', -1, 64)
		rc.do(t, "DEL", "z")
		rc.do(t, "ZADD", "z", in, "m")
		if f == 0 {
			continue // listpack zsets turn -0 into 0
		}
		require.Equal(t, FormatDouble(f), rc.do(t, "ZSCORE", "z", "m"), "ZADD %s", in)
	}
	cases := []string{"+2", ".5", "5.", "0x10", "0X1.8P1", "1e-4950", "inf", "1e5000", "1e-5000", "nan",
		"1e", " 1", "0x", "1.1e4932", "-0", "1e4932", "1\x00abc", "\x00"}
	for i := 0; i < 100; i++ {
		cases = append(cases, strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.Intn(30)-15)), 'g', -1, 64))
	}
	rc.do(t, "SET", "acc", "0")
	acc := LongDouble{}
	for _, in := range cases {
		rc.do(t, "SET", "k", "1.25")
		got := rc.do(t, "INCRBYFLOAT", "k", in)
		base, _ := ParseLongDouble([]byte("1.25"))
		want := "-ERR value is not a valid float"
		if v, ok := ParseLongDouble([]byte(in)); ok {
			want = "-ERR increment would produce NaN or Infinity"
			if sum, ok := base.Add(v); ok {
				want = sum.Format(true)
			}
		}
		require.Equal(t, want, got, "1.25 + %q", in)

		// A running sum, through the stored strings.
		got = rc.do(t, "INCRBYFLOAT", "acc", in)
		if strings.HasPrefix(got, "-") {
			continue
		}
		v, _ := ParseLongDouble([]byte(in))
		sum, ok := acc.Add(v)
		require.True(t, ok)
		want = sum.Format(true)
		require.Equal(t, want, got, "running sum + %q", in)
		acc, _ = ParseLongDouble([]byte(want))
	}
}
