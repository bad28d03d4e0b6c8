package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Connection-level behaviour of subscribed clients, against the server under
// test (REDPEBBLE_DIFF_AGAINST=redis runs it on redis-server).
func TestPubSubConnections(t *testing.T) {
	srv := startUnderTest(t, t.TempDir(), false, "timeout 1")

	t.Run("quit-pipelined", func(t *testing.T) {
		c := redistest.Dial(t, srv.Addr)
		c.Send("SUBSCRIBE", "q")
		c.Send("QUIT")
		if got := string(c.Receive()); got != "*3\r\n$9\r\nsubscribe\r\n$1\r\nq\r\n:1\r\n" {
			t.Fatalf("got %q", got)
		}
		if got := string(c.Receive()); got != "+OK\r\n" {
			t.Fatalf("got %q", got)
		}
		if _, _, err := c.TryReceive(); err != io.EOF {
			t.Fatalf("after QUIT: %v, want EOF", err)
		}
	})

	t.Run("monitor-after-unsubscribe", func(t *testing.T) {
		m := redistest.Dial(t, srv.Addr)
		m.Do("SUBSCRIBE", "a")
		m.Do("UNSUBSCRIBE")
		m.MustOK("MONITOR")
		o := redistest.Dial(t, srv.Addr)
		o.MustOK("SET", "monitored", "1")
		if v := m.ReceiveValue(); !strings.Contains(v.Str, `"SET" "monitored" "1"`) {
			t.Fatalf("monitor got %q", v.Str)
		}
	})

	t.Run("timeout-spares-subscribers", func(t *testing.T) {
		sub := redistest.Dial(t, srv.Addr)
		sub.Do("SUBSCRIBE", "idle")
		idle := redistest.Dial(t, srv.Addr)
		idle.Do("PING")
		time.Sleep(2500 * time.Millisecond)
		if _, _, err := idle.TryReceive(); err != io.EOF {
			t.Fatalf("idle normal client: %v, want EOF (timeout 1)", err)
		}
		pub := redistest.Dial(t, srv.Addr)
		if got := string(pub.Do("PUBLISH", "idle", "still here")); got != ":1\r\n" {
			t.Fatalf("PUBLISH = %q", got)
		}
		if v := sub.ReceiveValue(); len(v.Elems) != 3 || v.Elems[2].Str != "still here" {
			t.Fatalf("subscriber got %v", v)
		}
	})
}
