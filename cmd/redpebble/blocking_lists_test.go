package main

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
	"github.com/stretchr/testify/require"
)

// Blocking list commands between real clients of a real server process
// (REDPEBBLE_DIFF_AGAINST=redis runs the same checks on redis-server).

var blockedRe = regexp.MustCompile(`blocked_clients:(\d+)`)

func blockedClients(t *testing.T, c *redistest.Conn) int {
	t.Helper()
	m := blockedRe.FindStringSubmatch(c.DoValue("INFO", "clients").Str)
	require.NotNil(t, m, "INFO clients has no blocked_clients")
	n, _ := strconv.Atoi(m[1])
	return n
}

// waitBlocked waits until n clients are blocked.
func waitBlocked(t *testing.T, c *redistest.Conn, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for blockedClients(t, c) != n {
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients never reached %d (now %d)", n, blockedClients(t, c))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sendBlocking(c *redistest.Conn, args ...string) {
	c.Send(args...)
	c.Flush()
}

func TestBlockingLists(t *testing.T) {
	srv := startUnderTest(t, t.TempDir(), false)
	ctl := redistest.Dial(t, srv.Addr)
	c1 := redistest.Dial(t, srv.Addr)
	c2 := redistest.Dial(t, srv.Addr)

	t.Run("push wakes a blocked BLPOP", func(t *testing.T) {
		sendBlocking(c1, "BLPOP", "q", "5")
		waitBlocked(t, ctl, 1)
		require.Equal(t, ":1\r\n", string(ctl.Do("RPUSH", "q", "x")))
		require.Equal(t, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n", string(c1.Receive()))
		require.Equal(t, ":0\r\n", string(ctl.Do("EXISTS", "q")))
		require.Equal(t, 0, blockedClients(t, ctl))
	})

	t.Run("clients are served in the order they blocked", func(t *testing.T) {
		sendBlocking(c1, "BLPOP", "q", "5")
		waitBlocked(t, ctl, 1)
		sendBlocking(c2, "BRPOP", "other", "q", "5")
		waitBlocked(t, ctl, 2)
		require.Equal(t, ":2\r\n", string(ctl.Do("RPUSH", "q", "a", "b")))
		require.Equal(t, "*2\r\n$1\r\nq\r\n$1\r\na\r\n", string(c1.Receive()))
		require.Equal(t, "*2\r\n$1\r\nq\r\n$1\r\nb\r\n", string(c2.Receive()))

		sendBlocking(c1, "BLPOP", "q", "5")
		waitBlocked(t, ctl, 1)
		sendBlocking(c2, "BLPOP", "q", "5")
		waitBlocked(t, ctl, 2)
		require.Equal(t, ":1\r\n", string(ctl.Do("LPUSH", "q", "first")))
		require.Equal(t, "*2\r\n$1\r\nq\r\n$5\r\nfirst\r\n", string(c1.Receive()))
		waitBlocked(t, ctl, 1)
		require.Equal(t, ":1\r\n", string(ctl.Do("LPUSH", "q", "second")))
		require.Equal(t, "*2\r\n$1\r\nq\r\n$6\r\nsecond\r\n", string(c2.Receive()))
		require.Equal(t, ":0\r\n", string(ctl.Do("EXISTS", "q")))
	})

	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		require.Equal(t, "*-1\r\n", string(c1.Do("BLPOP", "q", "0.2")))
		el := time.Since(start)
		require.GreaterOrEqual(t, el, 190*time.Millisecond)
		require.Less(t, el, 3*time.Second)
		require.Equal(t, "*-1\r\n", string(c1.Do("BLMOVE", "q", "d", "LEFT", "LEFT", "0.05")))
		require.Equal(t, "*-1\r\n", string(c1.Do("BLMPOP", "0.05", "2", "q", "r", "LEFT")))
		require.Equal(t, 0, blockedClients(t, ctl))
	})

	t.Run("disconnect while blocked", func(t *testing.T) {
		c3 := redistest.Dial(t, srv.Addr)
		sendBlocking(c3, "BLPOP", "q", "0")
		waitBlocked(t, ctl, 1)
		c3.Close()
		waitBlocked(t, ctl, 0)
		require.Equal(t, ":1\r\n", string(ctl.Do("RPUSH", "q", "kept")))
		require.Equal(t, ":1\r\n", string(ctl.Do("LLEN", "q")))
		require.Equal(t, ":1\r\n", string(ctl.Do("DEL", "q")))
	})

	t.Run("BLMOVE and BLMPOP", func(t *testing.T) {
		sendBlocking(c1, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "5")
		waitBlocked(t, ctl, 1)
		require.Equal(t, ":2\r\n", string(ctl.Do("RPUSH", "src", "x", "y")))
		require.Equal(t, "$1\r\ny\r\n", string(c1.Receive()))
		require.Equal(t, "*1\r\n$1\r\ny\r\n", string(ctl.Do("LRANGE", "dst", "0", "-1")))

		sendBlocking(c1, "BLMPOP", "5", "2", "none", "m", "LEFT", "COUNT", "5")
		waitBlocked(t, ctl, 1)
		require.Equal(t, ":3\r\n", string(ctl.Do("RPUSH", "m", "1", "2", "3")))
		require.Equal(t, "*2\r\n$1\r\nm\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", string(c1.Receive()))
		ctl.Do("DEL", "src", "dst")
	})

	t.Run("other types do not wake or fail a blocked client", func(t *testing.T) {
		sendBlocking(c1, "BRPOPLPUSH", "k", "k2", "5")
		waitBlocked(t, ctl, 1)
		require.Equal(t, "+OK\r\n", string(ctl.Do("SET", "k", "str")))
		require.Equal(t, ":1\r\n", string(ctl.Do("DEL", "k")))
		require.Equal(t, ":1\r\n", string(ctl.Do("HSET", "k", "f", "v")))
		time.Sleep(50 * time.Millisecond)
		require.Equal(t, 1, blockedClients(t, ctl))
		require.Equal(t, ":1\r\n", string(ctl.Do("DEL", "k")))
		require.Equal(t, ":1\r\n", string(ctl.Do("LPUSH", "k", "v")))
		require.Equal(t, "$1\r\nv\r\n", string(c1.Receive()))
		require.Equal(t, "*1\r\n$1\r\nv\r\n", string(ctl.Do("LRANGE", "k2", "0", "-1")))
	})

	t.Run("inside MULTI it answers at once", func(t *testing.T) {
		c1.MustOK("MULTI")
		require.Equal(t, "+QUEUED\r\n", string(c1.Do("BLPOP", "empty", "0")))
		require.Equal(t, "+QUEUED\r\n", string(c1.Do("BLMOVE", "empty", "d", "LEFT", "LEFT", "0")))
		require.Equal(t, "*2\r\n*-1\r\n$-1\r\n", string(c1.Do("EXEC")))
	})
	require.Equal(t, 0, blockedClients(t, ctl))
}
