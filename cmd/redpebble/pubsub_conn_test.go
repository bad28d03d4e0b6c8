package main

import (
	"fmt"
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

	// A pipeline of PUBLISH wakes its subscribers once for the run
	// (pubsub.Batch): whatever ends the run must still deliver everything,
	// in order, at once.
	t.Run("pipelined-publish", func(t *testing.T) {
		subs := []*redistest.Conn{redistest.Dial(t, srv.Addr), redistest.Dial(t, srv.Addr), redistest.Dial(t, srv.Addr)}
		for _, sub := range subs {
			sub.Do("SUBSCRIBE", "pipe")
		}
		recv := func(sub *redistest.Conn, want string) {
			t.Helper()
			if v := sub.ReceiveValue(); len(v.Elems) != 3 || v.Elems[1].Str != "pipe" || v.Elems[2].Str != want {
				t.Fatalf("subscriber got %v, want message %q", v, want)
			}
		}
		for _, n := range []int{len(subs), 1} { // woken writers, then direct writes (few recipients)
			pub := redistest.Dial(t, srv.Addr)
			// Ended by a PUBLISH refused for its arity, the last command read.
			for i := 0; i < 300; i++ {
				pub.Send("PUBLISH", "pipe", fmt.Sprint("m", i))
			}
			pub.Send("PUBLISH", "pipe")
			pub.Flush()
			for _, sub := range subs[:n] {
				for i := 0; i < 300; i++ {
					recv(sub, fmt.Sprint("m", i))
				}
			}
			for i := 0; i < 300; i++ {
				if got := string(pub.Receive()); got != fmt.Sprintf(":%d\r\n", n) {
					t.Fatalf("PUBLISH %d = %q", i, got)
				}
			}
			if got := string(pub.Receive()); !strings.HasPrefix(got, "-ERR wrong number of arguments") {
				t.Fatalf("PUBLISH without a message = %q", got)
			}
			// Ended by a blocking command: the messages arrive while it waits
			// (the push that ends the wait is sent only after they arrived).
			pub.Send("PUBLISH", "pipe", "before-blpop-1")
			pub.Send("PUBLISH", "pipe", "before-blpop-2")
			pub.Send("BLPOP", "pipe-list", "0")
			pub.Flush()
			for _, sub := range subs[:n] {
				recv(sub, "before-blpop-1")
				recv(sub, "before-blpop-2")
			}
			redistest.Dial(t, srv.Addr).Do("LPUSH", "pipe-list", "x")
			pub.Receive()
			pub.Receive()
			if v := pub.ReceiveValue(); len(v.Elems) != 2 || v.Elems[1].Str != "x" {
				t.Fatalf("BLPOP = %v", v)
			}
			pub.Close()
			if n > 1 {
				for _, sub := range subs[1:] {
					sub.Do("UNSUBSCRIBE")
				}
			}
		}
	})
}
