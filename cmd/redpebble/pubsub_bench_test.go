package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// BenchmarkPubSubFanout measures delivered messages per second for one
// publisher and {1, 50, 500} subscribers of one channel, with 64 B and 1 KB
// payloads, against redis-server and redpebble in the same run:
//
//	go test -run '^$' -bench PubSubFanout -benchtime 20000x ./cmd/redpebble/
//
// The publisher pipelines PUBLISH in batches and stays at most window
// messages ahead of the slowest subscriber, so the figure is what the server
// sustains without growing output buffers. delivered/s counts one message
// per subscriber.
func BenchmarkPubSubFanout(b *testing.B) {
	ref := redistest.StartRedis(b)
	bin := redistest.BuildRedpebble(b)
	sut := redistest.StartRedpebble(b, bin, b.TempDir())
	servers := []struct{ name, addr string }{{"redis", ref.Addr}, {"redpebble", sut.Addr}}
	for _, subs := range []int{1, 50, 500} {
		for _, size := range []int{64, 1024} {
			for _, srv := range servers {
				b.Run(fmt.Sprintf("subs=%d/size=%d/%s", subs, size, srv.name), func(b *testing.B) {
					benchFanout(b, srv.addr, subs, size)
				})
			}
		}
	}
}

func benchFanout(b *testing.B, addr string, nsubs, size int) {
	const (
		channel = "bench"
		batch   = 100
		window  = 2000
	)
	payload := strings.Repeat("p", size)
	frameLen := len(fmt.Sprintf("*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(channel), channel, size, payload))
	counts := make([]atomic.Int64, nsubs)
	conns := make([]net.Conn, nsubs)
	var wg sync.WaitGroup
	for i := range conns {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns[i] = nc
		nc.Write(redistest.AppendCommand(nil, "SUBSCRIBE", channel))
		br := bufio.NewReaderSize(nc, 256<<10)
		for j := 0; j < 5; j++ {
			if _, err := br.ReadString('\n'); err != nil {
				b.Fatal(err)
			}
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			var got int64
			for {
				n, err := br.Read(buf)
				got += int64(n)
				counts[i].Store(got / int64(frameLen))
				if err != nil {
					return
				}
			}
		}(i)
	}
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
		wg.Wait()
	}()
	pub := redistest.Dial(b, addr)
	pub.Timeout = time.Minute
	minCount := func() int64 {
		m := counts[0].Load()
		for i := range counts {
			m = min(m, counts[i].Load())
		}
		return m
	}
	cmd := redistest.AppendCommand(nil, "PUBLISH", channel, payload)
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n := min(batch, b.N-sent)
		for j := 0; j < n; j++ {
			pub.SendRaw(cmd)
		}
		for j := 0; j < n; j++ {
			pub.Receive()
		}
		sent += n
		for int64(sent)-minCount() > window {
			time.Sleep(50 * time.Microsecond)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for minCount() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("subscribers got %d of %d messages", minCount(), b.N)
		}
		time.Sleep(50 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(nsubs)/elapsed.Seconds(), "delivered/s")
	b.ReportMetric(0, "ns/op")
	_ = io.EOF
}
