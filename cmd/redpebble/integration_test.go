package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// lookTool finds a Redis command-line tool: skip without it, fail under CI.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not on PATH (required under CI)", name)
		}
		t.Skipf("%s not on PATH: %v", name, err)
	}
	return p
}

func runTool(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("%s %q stderr:\n%s", name, args, stderr.String())
	}
	return stdout.String()
}

// TestRedisCLI runs redis-cli invocations against redis-server and the
// server under test: outputs must be identical and as expected.
func TestRedisCLI(t *testing.T) {
	cli := lookTool(t, "redis-cli")
	sut := startUnderTest(t, t.TempDir(), false)
	ref := redistest.StartRedis(t)

	script := "del a s\nset a 1\nincr a\nget a\nmget a nokey\nappend s hello\ngetrange s 1 -2\nexists a s nokey\ndel a\nget a\nincr s\n"
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"ping", []string{"ping"}, "", "PONG\n"},
		{"set", []string{"set", "foo", "bar"}, "", "OK\n"},
		{"get", []string{"get", "foo"}, "", "bar\n"},
		{"get no-raw", []string{"--no-raw", "get", "foo"}, "", "\"bar\"\n"},
		{"missing no-raw", []string{"--no-raw", "get", "missing"}, "", "(nil)\n"},
		{"incr no-raw", []string{"--no-raw", "incr", "n"}, "", "(integer) 1\n"},
		{"error no-raw", []string{"--no-raw", "get"}, "", "(error) ERR wrong number of arguments for 'get' command\n"},
		{"script", nil, script, "0\nOK\n2\n2\n2\n\n5\nell\n2\n1\n\nERR value is not an integer or out of range\n\n"},
		{"script no-raw", []string{"--no-raw"}, script, "(integer) 1\nOK\n(integer) 2\n\"2\"\n1) \"2\"\n2) (nil)\n(integer) 5\n\"ell\"\n(integer) 2\n(integer) 1\n(nil)\n(error) ERR value is not an integer or out of range\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runTool(t, tt.stdin, cli, append([]string{"-p", strconv.Itoa(sut.Port)}, tt.args...)...)
			want := runTool(t, tt.stdin, cli, append([]string{"-p", strconv.Itoa(ref.Port)}, tt.args...)...)
			if got != want {
				t.Fatalf("redis-cli %q: output differs from redis-server's\nunder test:   %q\nredis-server: %q", tt.args, got, want)
			}
			if tt.want != "" && got != tt.want {
				t.Fatalf("redis-cli %q: got %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

var benchLine = regexp.MustCompile(`^([A-Z][A-Za-z0-9_ ()]*): ([0-9]+(?:\.[0-9]+)?) requests per second`)

// parseBenchmark returns the requests-per-second figure of every finished
// test in redis-benchmark -q output (progress lines end in \r).
func parseBenchmark(out string) (map[string]float64, error) {
	res := map[string]float64{}
	for _, l := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
		l = strings.TrimSpace(l)
		if l == "" || strings.Contains(l, "rps=") {
			continue
		}
		m := benchLine.FindStringSubmatch(l)
		if m == nil {
			return nil, fmt.Errorf("unexpected redis-benchmark line %q", l)
		}
		rps, err := strconv.ParseFloat(m[2], 64)
		if err != nil || rps <= 0 {
			return nil, fmt.Errorf("bad requests per second in %q", l)
		}
		res[m[1]] = rps
	}
	return res, nil
}

func TestParseBenchmark(t *testing.T) {
	out := "SET: rps=0.0 (overall: 0.0) avg_msec=-nan (overall: -nan)\r   \rSET: 24752.47 requests per second, p50=1.199 msec\n" +
		"MSET (10 keys): 38167.94 requests per second, p50=0.775 msec\n"
	got, err := parseBenchmark(out)
	if err != nil || len(got) != 2 || got["MSET (10 keys)"] != 38167.94 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := parseBenchmark("SET: 0.00 requests per second\n"); err == nil {
		t.Fatal("zero rps accepted")
	}
	if _, err := parseBenchmark("Error from server: ERR unknown command\n"); err == nil {
		t.Fatal("error line accepted")
	}
}

func FuzzParseBenchmark(f *testing.F) {
	f.Add("SET: rps=0.0 (overall: 0.0) avg_msec=-nan\r \rSET: 24752.47 requests per second, p50=1.199 msec\n")
	f.Add("MSET (10 keys): 38167.94 requests per second, p50=0.775 msec\n")
	f.Fuzz(func(t *testing.T, out string) {
		for _, in := range []string{out, out[:len(out)/2]} {
			res, err := parseBenchmark(in)
			if err == nil {
				for name, rps := range res {
					if rps <= 0 || !strings.Contains(in, name+": ") {
						t.Fatalf("bad result %q=%v from %q", name, rps, in)
					}
				}
			}
		}
	})
}

func TestRedisBenchmark(t *testing.T) {
	bench := lookTool(t, "redis-benchmark")
	sut := startUnderTest(t, t.TempDir(), false)
	out := runTool(t, "", bench, "-p", strconv.Itoa(sut.Port), "-t", "set,get,incr,mset,mget", "-n", "5000", "-q")
	if strings.Contains(out, "ERR") || strings.Contains(out, "Error") {
		t.Fatalf("redis-benchmark reported errors:\n%s", out)
	}
	res, err := parseBenchmark(out)
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out)
	}
	// redis-benchmark 7.0 has no MGET test; "-t mget" selects nothing.
	var names []string
	for n := range res {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"GET", "INCR", "MSET (10 keys)", "SET"}; !slices.Equal(names, want) {
		t.Fatalf("redis-benchmark tests %q, want %q\noutput:\n%s", names, want, out)
	}
	t.Logf("redis-benchmark: %v", res)
}

func durableValue(i int) string {
	return fmt.Sprintf("value:%d:\x00\xff\r\n%s", i, strings.Repeat("v", i%100))
}

// writeKeys pipelines n SETs and reads every reply.
func writeKeys(t *testing.T, c *redistest.Conn, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		c.Send("SET", fmt.Sprintf("key:%d", i), durableValue(i))
	}
	for i := 0; i < n; i++ {
		if got := c.Receive(); string(got) != "+OK\r\n" {
			t.Fatalf("SET key:%d: %q", i, got)
		}
	}
}

// checkKeys pipelines n GETs and checks every value.
func checkKeys(t *testing.T, c *redistest.Conn, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		c.Send("GET", fmt.Sprintf("key:%d", i))
	}
	for i := 0; i < n; i++ {
		want := durableValue(i)
		if got := c.Receive(); string(got) != fmt.Sprintf("$%d\r\n%s\r\n", len(want), want) {
			t.Fatalf("after restart GET key:%d = %q, want %q", i, got, want)
		}
	}
	if got := string(c.Do("DBSIZE")); got != fmt.Sprintf(":%d\r\n", n) {
		t.Fatalf("after restart DBSIZE = %q, want %d", got, n)
	}
}

func TestAppendfsyncAlwaysSurvivesSIGKILL(t *testing.T) {
	const n = 2000
	srv := startUnderTest(t, t.TempDir(), true, "appendfsync always")
	writeKeys(t, redistest.Dial(t, srv.Addr), n)
	srv.Kill()
	srv.Restart()
	checkKeys(t, redistest.Dial(t, srv.Addr), n)
}

func TestShutdownCommandExitsZero(t *testing.T) {
	const n = 200
	srv := startUnderTest(t, t.TempDir(), true)
	c := redistest.Dial(t, srv.Addr)
	writeKeys(t, c, n)
	// As Redis: no reply, the connection is closed and the process exits 0.
	if raw, err := c.TryDo("SHUTDOWN"); err == nil {
		t.Fatalf("SHUTDOWN replied %q; Redis closes the connection without a reply", raw)
	}
	if err := srv.WaitExit(redistest.StartTimeout); err != nil {
		t.Fatalf("after SHUTDOWN: exit %v, want status 0", err)
	}
	srv.Restart()
	checkKeys(t, redistest.Dial(t, srv.Addr), n)
}

func TestSIGTERMExitsZero(t *testing.T) {
	const n = 200
	srv := startUnderTest(t, t.TempDir(), true)
	writeKeys(t, redistest.Dial(t, srv.Addr), n)
	if err := srv.Stop(); err != nil {
		t.Fatalf("after SIGTERM: exit %v, want status 0", err)
	}
	srv.Restart()
	checkKeys(t, redistest.Dial(t, srv.Addr), n)
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestBadConfigFileIsFatal(t *testing.T) {
	bin := binaryUnderTest(t)
	tests := []struct {
		name string
		line string
	}{
		{"unknown directive", "no-such-directive yes"},
		{"bad port", "port notanumber"},
		{"bad enum", "appendfsync sometimes"},
		{"bad bool", "appendonly maybe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			// A port and bind first, so a binary that wrongly starts
			// listens nowhere it could collide with.
			conf := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n%s\n", freeLoopbackPort(t), dir, tt.line)
			path := filepath.Join(dir, "redis.conf")
			if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, path)
			var stderr, stdout bytes.Buffer
			cmd.Stderr, cmd.Stdout = &stderr, &stdout
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("still running 30s after starting with %q; want a fatal config error", tt.line)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() <= 0 {
				t.Fatalf("exit %v, want a non-zero status\nstderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "*** FATAL CONFIG FILE ERROR") {
				t.Fatalf("stderr lacks %q:\nstderr:\n%s\nstdout:\n%s", "*** FATAL CONFIG FILE ERROR", stderr.String(), stdout.String())
			}
		})
	}
}
