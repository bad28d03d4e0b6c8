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

const (
	psChannel = "bench-ch"
	psSize    = 64
)

// psFrame is the exact length of one delivered message frame
// (*3 $7 message $8 bench-ch $64 <payload>).
var psFrameLen = len("*3\r\n$7\r\nmessage\r\n$" + strconv.Itoa(len(psChannel)) + "\r\n" + psChannel + "\r\n$" +
	strconv.Itoa(psSize) + "\r\n" + strings.Repeat("x", psSize) + "\r\n")

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
	for _, n := range []int{1, 50, 500} {
		r := &result{Workload: "pubsub", Metric: fmt.Sprintf("1 pub x %d sub, %d B", n, psSize), Unit: "msg/s", Better: "higher"}
		for round := 0; round < h.opt.rounds; round++ {
			for _, k := range kinds {
				if k == "redpebble" && skip != "" {
					continue
				}
				rate, err := pubsubOnce(srv[k].Addr, n, dur)
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
	}
	return nil
}

// pubsubOnce subscribes n raw connections, publishes pipelined 64-byte
// messages for dur and returns the messages delivered per second (all
// subscribers together). The publisher holds back when the subscribers are
// more than a few thousand messages behind, so no subscriber outgrows its
// output buffer limit.
func pubsubOnce(addr string, n int, dur time.Duration) (float64, error) {
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
					delivered.Add(rest / int64(psFrameLen))
					rest %= int64(psFrameLen)
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
	payload := strings.Repeat("x", psSize)
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
			if published.Load()*int64(n)-delivered.Load() > int64(n)*4096 {
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
