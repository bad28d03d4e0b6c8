package main

import (
	"strconv"
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

// TestStreamBlockingWakeups checks the replies of woken clients against
// Redis 7.0's blocked.c: only the stream that became ready, a default COUNT
// of 1000, and the errors of XREADGROUP whose key or group went away.
func TestStreamBlockingWakeups(t *testing.T) {
	srv := startUnderTest(t, t.TempDir(), false)
	a, b := redistest.Dial(t, srv.Addr), redistest.Dial(t, srv.Addr)
	b.Do("XADD", "wa", "1-1", "f", "v")
	b.Do("XADD", "wb", "1-1", "f", "v")
	wait := func(args ...string) {
		a.Send(args...)
		a.Flush()
		time.Sleep(150 * time.Millisecond)
	}
	wait("XREAD", "BLOCK", "3000", "STREAMS", "wa", "wb", "$", "$")
	b.Do("XADD", "wb", "2-1", "f", "v")
	if got := string(a.Receive()); got != "*1\r\n*2\r\n$2\r\nwb\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n" {
		t.Fatalf("woken XREAD: %q", got)
	}

	b.Do("XGROUP", "CREATE", "wa", "g", "$")
	wait("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "wa", ">")
	b.Do("XGROUP", "DESTROY", "wa", "g")
	if got := string(a.Receive()); got != "-NOGROUP the consumer group this client was blocked on no longer exists\r\n" {
		t.Fatalf("XREADGROUP after DESTROY: %q", got)
	}
	b.Do("XGROUP", "CREATE", "wa", "g", "$")
	wait("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "wa", ">")
	b.Do("DEL", "wa")
	if got := string(a.Receive()); got != "-UNBLOCKED the stream key no longer exists\r\n" {
		t.Fatalf("XREADGROUP after DEL: %q", got)
	}

	// XREAD stays blocked when its key turns into a string.
	wait("XREAD", "BLOCK", "400", "STREAMS", "wb", "$")
	b.Do("SET", "wb", "x")
	if got := string(a.Receive()); got != "*-1\r\n" {
		t.Fatalf("XREAD after type change: %q", got)
	}

	// A woken XREAD without COUNT gets at most 1000 entries.
	wait("XREAD", "BLOCK", "5000", "STREAMS", "wc", "$")
	b.Send("MULTI")
	for i := 1; i <= 1100; i++ {
		b.Send("XADD", "wc", strconv.Itoa(i)+"-1", "f", "v")
	}
	b.Send("EXEC")
	b.Flush()
	for i := 0; i < 1102; i++ {
		b.Receive()
	}
	v := a.ReceiveValue()
	if len(v.Elems) != 1 || len(v.Elems[0].Elems) != 2 || len(v.Elems[0].Elems[1].Elems) != 1000 {
		t.Fatalf("woken XREAD returned %d streams / not 1000 entries", len(v.Elems))
	}
}
