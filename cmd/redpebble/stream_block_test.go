package main

import (
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// TestStreamBlocking: XREAD BLOCK and XREADGROUP BLOCK are woken by an XADD
// from another client, and time out with a null array.
func TestStreamBlocking(t *testing.T) {
	srv := startUnderTest(t, t.TempDir(), false)
	a, b := redistest.Dial(t, srv.Addr), redistest.Dial(t, srv.Addr)

	// XREAD BLOCK 0 on a missing key with $, woken by XADD.
	a.Send("XREAD", "BLOCK", "0", "STREAMS", "bs", "$")
	a.Flush()
	time.Sleep(150 * time.Millisecond)
	if got := string(b.Do("XADD", "bs", "5-1", "f", "v")); got != "$3\r\n5-1\r\n" {
		t.Fatalf("XADD: %q", got)
	}
	if got := string(a.Receive()); got != "*1\r\n*2\r\n$2\r\nbs\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n" {
		t.Fatalf("XREAD woken: %q", got)
	}

	// XREADGROUP BLOCK with >, woken by XADD; the entry becomes pending.
	if got := string(b.Do("XGROUP", "CREATE", "bs", "g", "$")); got != "+OK\r\n" {
		t.Fatalf("XGROUP CREATE: %q", got)
	}
	a.Send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "5000", "STREAMS", "bs", ">")
	a.Flush()
	time.Sleep(150 * time.Millisecond)
	b.Do("XADD", "bs", "6-1", "f", "w")
	if got := string(a.Receive()); !strings.Contains(got, "6-1") {
		t.Fatalf("XREADGROUP woken: %q", got)
	}
	if got := string(b.Do("XPENDING", "bs", "g")); !strings.HasPrefix(got, "*4\r\n:1\r\n$3\r\n6-1\r\n") {
		t.Fatalf("XPENDING: %q", got)
	}

	// Timeouts.
	start := time.Now()
	if got := string(a.Do("XREAD", "BLOCK", "200", "STREAMS", "bs", "$")); got != "*-1\r\n" {
		t.Fatalf("XREAD timeout: %q", got)
	}
	if got := string(a.Do("XREADGROUP", "GROUP", "g", "c", "BLOCK", "200", "STREAMS", "bs", ">")); got != "*-1\r\n" {
		t.Fatalf("XREADGROUP timeout: %q", got)
	}
	if d := time.Since(start); d < 350*time.Millisecond || d > 5*time.Second {
		t.Fatalf("two 200 ms timeouts took %v", d)
	}

	// Inside MULTI a BLOCK answers at once as on timeout.
	a.Do("MULTI")
	a.Do("XREAD", "BLOCK", "0", "STREAMS", "bs", "$")
	if got := string(a.Do("EXEC")); got != "*1\r\n*-1\r\n" {
		t.Fatalf("XREAD BLOCK in MULTI: %q", got)
	}
}
