package main

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// infoField returns one field of INFO section as an integer.
func infoField(t *testing.T, c *redistest.Conn, section, field string) int64 {
	t.Helper()
	v := c.DoValue("INFO", section)
	for _, line := range strings.Split(v.Str, "\r\n") {
		if name, val, ok := strings.Cut(line, ":"); ok && name == field {
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %s=%q", section, field, val)
			}
			return n
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// TestPubSubSlowSubscriberCut: a subscriber that never reads is disconnected
// at client-output-buffer-limit pubsub, PUBLISH never waits for it, a
// subscriber that reads keeps everything, and memory stays bounded while far
// more than the limit is published.
func TestPubSubSlowSubscriberCut(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	srv := startUnderTest(t, t.TempDir(), false)
	pub := redistest.Dial(t, srv.Addr)
	pub.MustOK("CONFIG", "SET", "client-output-buffer-limit", "pubsub 2mb 1mb 60")
	if got := pub.DoValue("CONFIG", "GET", "client-output-buffer-limit").Elems[1].Str; !strings.Contains(got, "pubsub 2097152 1048576 60") {
		t.Fatalf("CONFIG GET client-output-buffer-limit = %q", got)
	}

	// The slow subscriber never reads after the confirmation.
	slow, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write(redistest.AppendCommand(nil, "SUBSCRIBE", "firehose"))
	br := bufio.NewReader(slow)
	slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := 0; i < 5; i++ { // *3 $9 subscribe $8 firehose :1
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}

	// The fast subscriber reads everything.
	fast := redistest.Dial(t, srv.Addr)
	fast.Do("SUBSCRIBE", "firehose")
	const total, size = 40000, 1024 // 40 MB, 20 times the hard limit
	fastDone := make(chan int, 1)
	var fastGot atomic.Int64
	go func() {
		n := 0
		for n < total {
			if _, _, err := fast.TryReceive(); err != nil {
				break
			}
			n++
			fastGot.Store(int64(n))
		}
		fastDone <- n
	}()

	rss0 := infoField(t, pub, "memory", "used_memory_rss")
	payload := strings.Repeat("x", size)
	start := time.Now()
	cutAt := -1
	for i := 0; i < total; i += 500 {
		for j := 0; j < 500; j++ {
			pub.Send("PUBLISH", "firehose", payload)
		}
		for j := 0; j < 500; j++ {
			v := pub.ReceiveValue()
			if v.Int == 1 && cutAt < 0 {
				cutAt = i + j
			}
		}
		// The reading subscriber is held to within 1 MB of the publisher
		// (half its soft limit), as a real consumer's flow control would:
		// the publisher outruns this test's reader, and a subscriber that
		// falls 2 MB behind is rightly cut off, in Redis as here.
		for deadline := time.Now().Add(10 * time.Second); int64(i+500)-fastGot.Load() > 1000 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	rss1 := infoField(t, pub, "memory", "used_memory_rss")
	t.Logf("published %d x %d B in %v; slow subscriber cut after %d messages; rss %d -> %d MB",
		total, size, elapsed, cutAt, rss0>>20, rss1>>20)
	if cutAt < 0 {
		t.Fatal("the subscriber that does not read was never cut off")
	}
	if cutAt*size > 64<<20 {
		t.Fatalf("cut off only after %d bytes", cutAt*size)
	}
	if rss1-rss0 > 96<<20 {
		t.Fatalf("memory grew by %d MB while publishing", (rss1-rss0)>>20)
	}
	if got := pub.DoValue("PUBSUB", "NUMSUB", "firehose").Elems[1].Int; got != 1 {
		t.Fatalf("PUBSUB NUMSUB firehose = %d, want 1 (the fast subscriber)", got)
	}
	select {
	case n := <-fastDone:
		if n != total {
			t.Fatalf("the reading subscriber got %d of %d messages", n, total)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the reading subscriber did not get every message")
	}
	if list := pub.DoValue("CLIENT", "LIST").Str; strings.Count(list, "\n") != 2 {
		t.Fatalf("CLIENT LIST after the cut:\n%s", list)
	}
	// The slow connection was closed by the server: after what the kernel buffered, EOF.
	slow.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.Copy(io.Discard, br); err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("slow subscriber: %v, want EOF", err)
	}
	if n := infoField(t, pub, "stats", "pubsub_channels"); n != 1 {
		t.Fatalf("pubsub_channels = %d", n)
	}
}
