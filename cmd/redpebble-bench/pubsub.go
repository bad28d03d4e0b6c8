package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const psChannel = "bench-ch"

// psSubs and psSizes are the subscriber counts and payload sizes (bytes) the
// pubsub workload measures (issue 5: 1, 50 and 500 subscribers, 64 B and
// 1 KB); -pubsub-subs and -pubsub-sizes narrow them, e.g. for a profile.
var (
	psSubs  = []int{1, 50, 500}
	psSizes = []int{64, 1024}
)

// psFrameLen is the exact length of one delivered message frame with a
// size-byte payload (*3 $7 message $8 bench-ch $<size> <payload>).
func psFrameLen(size int) int {
	return len("*3\r\n$7\r\nmessage\r\n$" + strconv.Itoa(len(psChannel)) + "\r\n" + psChannel + "\r\n$" +
		strconv.Itoa(size) + "\r\n" + strings.Repeat("x", size) + "\r\n")
}

// psWindow is how many bytes of frames per subscriber the publisher lets
// be in flight (published, not yet read) before it holds back: 4096
// frames of 64 B, well under client-output-buffer-limit pubsub's 8mb soft
// limit whatever the payload.
var psWindow = int64(4096 * psFrameLen(64))

func (h *harness) pubsub() error {
	dur := 2 * time.Second
	if h.opt.quick {
		dur = time.Second
	}
	srv := map[string]*proc{}
	for _, k := range kinds {
		p, err := h.startKind(k, "pubsub", "maxclients 2000")
		if err != nil {
			return err
		}
		defer p.Close()
		srv[k] = p
	}
	skip, err := unsupported(srv["redpebble"].Addr, []string{"PUBLISH", psChannel, "x"})
	if err != nil {
		return err
	}
	if skip != "" {
		skip = "redpebble: unknown command " + skip + " (pub/sub commands not merged yet)"
	}
	for _, size := range psSizes {
		for _, n := range psSubs {
			if err := h.pubsubCase(srv, skip, n, size, dur); err != nil {
				return err
			}
		}
	}
	return nil
}

// pubsubCase measures 1 publisher x n subscribers with size-byte payloads
// on both servers in turns.
func (h *harness) pubsubCase(srv map[string]*proc, skip string, n, size int, dur time.Duration) error {
	r := &result{Workload: "pubsub", Metric: fmt.Sprintf("1 pub x %d sub, %d B", n, size), Unit: "msg/s", Better: "higher"}
	for round := 0; round < h.opt.rounds; round++ {
		for _, k := range kinds {
			if k == "redpebble" && skip != "" {
				continue
			}
			rate, err := pubsubOnce(srv[k].Addr, n, size, dur)
			if err != nil {
				return fmt.Errorf("%s: %v", k, err)
			}
			if k == "redis" {
				r.Redis = append(r.Redis, rate)
			} else {
				r.Redpebble = append(r.Redpebble, rate)
			}
		}
	}
	r.Note = fmt.Sprintf("delivered messages/s over %v", dur)
	if skip != "" {
		r.Note = "skipped for redpebble: " + skip
	}
	h.add(r)
	return nil
}

// pubsubOnce subscribes n raw connections, publishes size-byte messages
// for dur from one connection (pipelines of 64 PUBLISH, each pipeline's
// replies read before the next is sent) and returns the messages delivered
// per second (all subscribers together). The publisher holds back when the
// subscribers are more than psWindow bytes each behind, so no subscriber
// outgrows its output buffer limit.
func pubsubOnce(addr string, n, size int, dur time.Duration) (float64, error) {
	frameLen := int64(psFrameLen(size))
	window := max(psWindow/frameLen, 64)
	var delivered atomic.Int64
	var wg sync.WaitGroup
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}()
	errc := make(chan error, n+1)
	sub := appendCommand(nil, "SUBSCRIBE", psChannel)
	for i := 0; i < n; i++ {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		conns = append(conns, nc)
		if _, err := nc.Write(sub); err != nil {
			return 0, err
		}
		br := bufio.NewReaderSize(nc, 64<<10)
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		v, err := readValue(br, 0)
		if err != nil {
			return 0, fmt.Errorf("subscribe: %v", err)
		}
		if a, ok := v.([]any); !ok || len(a) != 3 {
			return 0, fmt.Errorf("subscribe: unexpected reply %v", v)
		}
		nc.SetReadDeadline(time.Time{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			var rest int64 // bytes of a frame split across reads
			for {
				m, err := br.Read(buf)
				if m > 0 {
					rest += int64(m)
					delivered.Add(rest / frameLen)
					rest %= frameLen
				}
				if err != nil {
					if err != io.EOF && !strings.Contains(err.Error(), "closed") {
						errc <- err
					}
					return
				}
			}
		}()
	}
	pc, err := dial(addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer pc.Close()
	payload := strings.Repeat("x", size)
	const batch = 64
	cmd := appendCommand(nil, "PUBLISH", psChannel, payload)
	var published atomic.Int64
	stop := make(chan struct{})
	pubDone := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				pubDone <- nil
				return
			default:
			}
			if published.Load()*int64(n)-delivered.Load() > int64(n)*window {
				time.Sleep(100 * time.Microsecond)
				continue
			}
			for i := 0; i < batch; i++ {
				pc.bw.Write(cmd)
			}
			if err := pc.Flush(); err != nil {
				pubDone <- err
				return
			}
			for i := 0; i < batch; i++ {
				v, err := pc.Read()
				if err != nil {
					pubDone <- err
					return
				}
				if e, ok := v.(respError); ok {
					pubDone <- e
					return
				}
			}
			published.Add(batch)
		}
	}()
	time.Sleep(200 * time.Millisecond) // warm-up
	d0, t0 := delivered.Load(), time.Now()
	time.Sleep(dur)
	d1, t1 := delivered.Load(), time.Now()
	close(stop)
	if err := <-pubDone; err != nil {
		return 0, fmt.Errorf("publisher: %v", err)
	}
	select {
	case err := <-errc:
		return 0, fmt.Errorf("subscriber: %v", err)
	default:
	}
	return float64(d1-d0) / t1.Sub(t0).Seconds(), nil
}
