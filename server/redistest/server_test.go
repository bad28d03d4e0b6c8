package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStartRedisAndDo(t *testing.T) {
	srv := StartRedis(t, "enable-debug-command yes")
	require.NotEqual(t, 6379, srv.Port)
	require.True(t, srv.Running())
	c := Dial(t, srv.Addr)

	require.Equal(t, "+PONG\r\n", string(c.Do("PING")))
	require.Equal(t, "+OK\r\n", string(c.Do("SET", "k", "a\r\nb")))
	require.Equal(t, "$4\r\na\r\nb\r\n", string(c.Do("GET", "k")))
	require.Equal(t, "$-1\r\n", string(c.Do("GET", "missing")))
	require.Equal(t, "*2\r\n$4\r\na\r\nb\r\n$-1\r\n", string(c.Do("MGET", "k", "missing")))
	require.Equal(t, "-ERR wrong number of arguments for 'get' command\r\n", string(c.Do("GET")))
	require.Equal(t, `["a\r\nb" (nil)]`, c.DoValue("MGET", "k", "missing").String())

	// The dir directive was honoured.
	v := c.DoValue("CONFIG", "GET", "dir")
	require.Len(t, v.Elems, 2)
	require.Equal(t, srv.Dir, v.Elems[1].Str)
}

func TestPipelineAndRESP3(t *testing.T) {
	srv := StartRedis(t)
	c := Dial(t, srv.Addr)
	for i := 0; i < 100; i++ {
		c.Send("INCR", "n")
	}
	for i := 1; i <= 100; i++ {
		require.Equal(t, int64(i), c.ReceiveValue().Int)
	}

	hello := c.DoValue("HELLO", "3")
	require.Equal(t, KindMap, hello.Kind)
	c.Do("HSET", "h", "f", "v")
	require.Equal(t, "%1\r\n$1\r\nf\r\n$1\r\nv\r\n", string(c.Do("HGETALL", "h")))
	require.Equal(t, "_\r\n", string(c.Do("GET", "missing")))
	c.Do("ZADD", "z", "1.5", "m")
	require.Equal(t, ",1.5\r\n", string(c.Do("ZSCORE", "z", "m")))
}

func TestPubSub(t *testing.T) {
	srv := StartRedis(t)
	sub := Dial(t, srv.Addr)
	pub := Dial(t, srv.Addr)
	require.Equal(t, `["subscribe" "ch" 1]`, sub.DoValue("SUBSCRIBE", "ch").String())
	require.Equal(t, ":1\r\n", string(pub.Do("PUBLISH", "ch", "hi")))
	require.Equal(t, `["message" "ch" "hi"]`, sub.ReceiveValue().String())
}

func TestKillRestart(t *testing.T) {
	srv := StartRedis(t, "appendonly yes", "appendfsync always")
	c := Dial(t, srv.Addr)
	c.MustOK("SET", "durable", "yes")
	port := srv.Port
	srv.Kill()
	require.False(t, srv.Running())
	srv.Restart()
	require.Equal(t, port, srv.Port)
	c = Dial(t, srv.Addr)
	require.Equal(t, "$3\r\nyes\r\n", string(c.Do("GET", "durable")))

	require.NoError(t, srv.Stop(), "SIGTERM exits 0")
	srv.Restart()
	c = Dial(t, srv.Addr)
	_, err := c.TryDo("SHUTDOWN")
	require.Error(t, err, "SHUTDOWN closes the connection without a reply")
	require.NoError(t, srv.WaitExit(StartTimeout))
	require.Contains(t, srv.Log(), "Ready to accept connections")
}

func TestStartRetriesAndReportsFailure(t *testing.T) {
	// A server that cannot start: the helper's test must fail with the log.
	ft := &fakeTB{TB: t}
	bin := filepath.Join(t.TempDir(), "fails.sh")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\necho 'boom: bad flag' >&2\nexit 3\n"), 0o755))
	func() {
		defer func() { recover() }()
		StartRedpebble(ft, bin, t.TempDir())
	}()
	require.True(t, ft.failed)
	require.Contains(t, ft.msg, "boom: bad flag")
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "module "))
}

// fakeTB records Fatalf instead of ending the test; Fatalf panics to stop the
// helper, as runtime.Goexit would.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = strings.TrimSpace(fmt.Sprintf(format, args...))
	panic("fatal")
}
func (f *fakeTB) Failed() bool { return f.failed }
