package main

import (
	"bufio"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Garbage and slow clients against a live server (issue 7).

// victim runs GET/PING on its own connection until stop, recording failures
// and the worst latency.
func victim(t *testing.T, addr string, stop chan struct{}, wg *sync.WaitGroup, bad *atomic.Value, worst *atomic.Int64) {
	defer wg.Done()
	c := redistest.Dial(t, addr)
	for {
		select {
		case <-stop:
			return
		default:
		}
		start := time.Now()
		if v := c.DoValue("GET", "g:7"); v.Str != "v7" {
			bad.Store("GET g:7 = " + v.String())
		}
		if d := int64(time.Since(start)); d > worst.Load() {
			worst.Store(d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGarbageAndSlowClients(t *testing.T) {
	s := startUnderTest(t, t.TempDir(), false, "enable-debug-command yes")
	c := redistest.Dial(t, s.Addr)
	for i := 0; i < 200; i++ {
		c.Send("SET", "g:"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	for i := 0; i < 200; i++ {
		c.Receive()
	}
	c.Send("RPUSH", "g:list", "a", "b", "c")
	c.Receive()
	digest := c.DoValue("DEBUG", "DIGEST").Str

	var bad atomic.Value
	var worst atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go victim(t, s.Addr, stop, &wg, &bad, &worst)

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	garbage := [][]byte{
		[]byte("*-1\r\n*-100\r\n"),
		[]byte("$-5\r\n"),
		[]byte("*99999999999999\r\n"),
		[]byte("*1\r\n$2147483648\r\n"),
		[]byte("*1\r\n$99999999999999999999\r\n"),
		[]byte("*3\r\n$3\r\nSET\r\n$-1\r\n"),
		[]byte("*2\r\n$3\r\nGET\r\n$-2147483649\r\n"),
		[]byte("*1\r\n:12\r\n"),
		[]byte("*abc\r\n"),
		[]byte("$3\r\nfoo\r\n"),
		[]byte(strings.Repeat("A", 200<<10)), // an inline line with no end
		[]byte("\x00\xff\xfe\r\n\r\n\r\n"),
		[]byte("*2\r\n$3\r\nDEL\r\n$4\r\ng:1"), // truncated: never completed
	}
	for i := 0; i < 20; i++ {
		b := make([]byte, 1+rng.Intn(4096))
		rng.Read(b)
		garbage = append(garbage, b)
	}
	var gw sync.WaitGroup
	for _, g := range garbage {
		gw.Add(1)
		go func(g []byte) {
			defer gw.Done()
			nc, err := net.Dial("tcp", s.Addr)
			if err != nil {
				bad.Store("dial: " + err.Error())
				return
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(3 * time.Second))
			nc.Write(g)
			io.Copy(io.Discard, nc) // replies, then the server closes (or the deadline)
		}(g)
	}

	// Slow-loris: one byte every 100 ms.
	slow := []byte("*2\r\n$3\r\nGET\r\n$4\r\ng:42\r\n")
	slowReplies := make([]string, 3)
	for i := range slowReplies {
		gw.Add(1)
		go func(i int) {
			defer gw.Done()
			nc, err := net.Dial("tcp", s.Addr)
			if err != nil {
				return
			}
			defer nc.Close()
			for _, b := range slow {
				nc.Write([]byte{b})
				time.Sleep(100 * time.Millisecond)
			}
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(nc).ReadString('\n')
			slowReplies[i] = line
		}(i)
	}
	gw.Wait()
	close(stop)
	wg.Wait()
	if b := bad.Load(); b != nil {
		t.Errorf("the normal client saw %v", b)
	}
	for i, r := range slowReplies {
		if r != "$3\r\n" {
			t.Errorf("slow client %d got %q", i, r)
		}
	}
	if w := time.Duration(worst.Load()); w > time.Second {
		t.Errorf("the normal client waited %v", w)
	}
	if got := c.DoValue("DEBUG", "DIGEST").Str; got != digest {
		t.Errorf("DEBUG DIGEST %s, was %s", got, digest)
	}
	t.Logf("%d garbage connections, 3 slow clients; worst normal latency %v", len(garbage), time.Duration(worst.Load()).Round(time.Microsecond))
}

func rssOf(t *testing.T, c *redistest.Conn) int64 {
	n, _ := strconv.ParseInt(info(t, c, "memory")["used_memory_rss"], 10, 64)
	return n
}

// pipelineNoRead sends n GETs of key on a fresh connection and never reads;
// it returns when the server closes the connection or after timeout.
func pipelineNoRead(addr, key string, n int, timeout time.Duration) (closed bool) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	defer nc.Close()
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	cmd := []byte("*2\r\n$3\r\nGET\r\n$" + strconv.Itoa(len(key)) + "\r\n" + key + "\r\n")
	var buf []byte
	for i := 0; i < n; i++ {
		buf = append(buf, cmd...)
	}
	nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err = nc.Write(buf)
	if err != nil {
		return !isTimeout(err)
	}
	// All sent: wait for the server to give up on us, still not reading
	// (a 1-byte peek after the deadline tells a close from a live link).
	time.Sleep(timeout)
	nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	one := make([]byte, 1)
	_, err = io.ReadFull(nc, one) // the socket buffer has data unless closed & reset
	_ = err
	return false
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestSlowReaderOutputLimit: a client that pipelines GETs of a big value
// and never reads is cut at client-output-buffer-limit normal, and the
// server's RSS stays bounded (with and without the limit).
func TestSlowReaderOutputLimit(t *testing.T) {
	requireBinary(t)
	if againstRedis() {
		t.Skip("redpebble's RSS bound")
	}
	s := startUnderTest(t, t.TempDir(), false)
	c := redistest.Dial(t, s.Addr)
	c.MustOK("SET", "big", strings.Repeat("b", 1<<20))
	rss0 := rssOf(t, c)

	// No limit: the client just stalls; the server holds a bounded amount.
	done := make(chan bool, 1)
	go func() { done <- pipelineNoRead(s.Addr, "big", 2000, 4*time.Second) }()
	time.Sleep(2 * time.Second)
	rss1 := rssOf(t, c)
	if v := c.DoValue("GET", "big"); len(v.Str) != 1<<20 {
		t.Fatalf("other client GET big: %d bytes", len(v.Str))
	}
	<-done
	if rss1-rss0 > 150<<20 {
		t.Errorf("RSS grew by %d MB for a stalled client (2000 x 1 MB replies pending)", (rss1-rss0)>>20)
	}

	// With a limit the stalled client is disconnected.
	c.MustOK("CONFIG", "SET", "client-output-buffer-limit", "normal 4mb 2mb 1")
	go func() { done <- pipelineNoRead(s.Addr, "big", 2000, 8*time.Second) }()
	waitFor(t, 15*time.Second, "the output-buffer kill", func() bool {
		return strings.Contains(s.Log(), "overcoming of output buffer limits")
	})
	<-done
	// The same with a hard limit alone and a soft limit alone: one more kill each.
	for i, limit := range []string{"normal 4mb 0 0", "normal 0 2mb 1"} {
		c.MustOK("CONFIG", "SET", "client-output-buffer-limit", limit)
		go func() { done <- pipelineNoRead(s.Addr, "big", 2000, 6*time.Second) }()
		waitFor(t, 15*time.Second, "the output-buffer kill under "+limit, func() bool {
			return strings.Count(s.Log(), "overcoming of output buffer limits") >= i+2
		})
		<-done
	}
	rss2 := rssOf(t, c)
	if rss2-rss0 > 150<<20 {
		t.Errorf("RSS grew by %d MB", (rss2-rss0)>>20)
	}
	if v := c.DoValue("GET", "big"); len(v.Str) != 1<<20 {
		t.Fatalf("GET big after the kill: %d bytes", len(v.Str))
	}
	t.Logf("RSS %d MB at start, %d MB with a stalled client, %d MB after the kill", rss0>>20, rss1>>20, rss2>>20)
}
