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

// bothServers starts redis-server and redpebble with the same configuration.
func bothServers(t *testing.T, conf ...string) map[string]*redistest.Server {
	t.Helper()
	requireBinary(t)
	return map[string]*redistest.Server{
		"redis-server": redistest.StartRedis(t, conf...),
		"redpebble":    startUnderTest(t, t.TempDir(), false, conf...),
	}
}

// rawSession connects, writes cmds in one go and reads until the server
// closes the connection or goes quiet for a second.
func rawSession(t *testing.T, addr string, cmds ...[]string) (string, bool) {
	t.Helper()
	var b []byte
	for _, cmd := range cmds {
		b = redistest.AppendCommand(b, cmd...)
	}
	return rawBytes(t, addr, b, time.Second)
}

func TestMaxclients(t *testing.T) {
	for name, srv := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			ctl := redistest.Dial(t, srv.Addr)
			ctl.MustOK("CONFIG", "SET", "maxclients", "3")
			a, b := redistest.Dial(t, srv.Addr), redistest.Dial(t, srv.Addr)
			a.MustOK("SELECT", "0")
			b.MustOK("SELECT", "0")
			out, closed := rawSession(t, srv.Addr, []string{"PING"})
			if out != "-ERR max number of clients reached\r\n" || !closed {
				t.Fatalf("4th client: %q closed=%v", out, closed)
			}
			b.Close()
			time.Sleep(200 * time.Millisecond)
			if out, _ := rawSession(t, srv.Addr, []string{"PING"}); out != "+PONG\r\n" {
				t.Fatalf("after one left: %q", out)
			}
			if got := string(ctl.Do("INFO", "stats")); !strings.Contains(got, "rejected_connections:1\r\n") {
				t.Fatalf("INFO stats: rejected_connections not 1:\n%s", got)
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	for name, srv := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			ctl := redistest.Dial(t, srv.Addr)
			ctl.MustOK("CONFIG", "SET", "timeout", "1")
			idle, err := net.Dial("tcp", srv.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			idle.SetReadDeadline(time.Now().Add(5 * time.Second))
			start := time.Now()
			_, err = bufio.NewReader(idle).ReadByte()
			if err != io.EOF {
				t.Fatalf("idle client: want EOF, got %v", err)
			}
			if d := time.Since(start); d < time.Second {
				t.Fatalf("idle client closed after %v, before the 1s timeout", d)
			}
			// A client blocked in BLPOP is not idle.
			blocked := redistest.Dial(t, srv.Addr)
			blocked.Send("BLPOP", "idle-list", "0")
			blocked.Flush()
			time.Sleep(2500 * time.Millisecond)
			pusher := redistest.Dial(t, srv.Addr)
			if got := string(pusher.Do("LPUSH", "idle-list", "x")); got != ":1\r\n" {
				t.Fatalf("LPUSH: %q", got)
			}
			if got := string(blocked.Receive()); got != "*2\r\n$9\r\nidle-list\r\n$1\r\nx\r\n" {
				t.Fatalf("blocked client after the idle timeout: %q", got)
			}
		})
	}
}

// TestOutputBufferLimitNormal: a normal client whose pending replies pass
// the hard limit is disconnected, whether by one big reply or by a pipeline
// it does not read.
func TestOutputBufferLimitNormal(t *testing.T) {
	for name, srv := range bothServers(t) {
		t.Run(name, func(t *testing.T) {
			ctl := redistest.Dial(t, srv.Addr)
			ctl.MustOK("CONFIG", "SET", "client-output-buffer-limit", "normal 100kb 0 0")
			ctl.MustOK("SET", "big", strings.Repeat("x", 200<<10))
			ctl.MustOK("SET", "mid", strings.Repeat("y", 10<<10))
			out, closed := rawSession(t, srv.Addr, []string{"GET", "big"})
			if out != "" || !closed {
				t.Fatalf("one reply over the hard limit: got %d bytes, closed=%v", len(out), closed)
			}
			var cmds [][]string
			for i := 0; i < 100; i++ {
				cmds = append(cmds, []string{"GET", "mid"})
			}
			out, closed = rawSession(t, srv.Addr, cmds...)
			if !closed || len(out) >= 100*(10<<10) {
				t.Fatalf("unread pipeline over the hard limit: got %d bytes, closed=%v", len(out), closed)
			}
			// Under the limit nothing happens.
			out, closed = rawSession(t, srv.Addr, []string{"GET", "mid"})
			if closed || len(out) != 10<<10+10 {
				t.Fatalf("reply under the limit: got %d bytes, closed=%v", len(out), closed)
			}
			ctl.MustOK("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
		})
	}
}

// TestOutputBufferLimitReplica: a replica that takes its full sync and then
// never reads is disconnected at client-output-buffer-limit replica, on
// redis-server and redpebble alike, and a replica under the limit is not;
// the master's data is intact after.
func TestOutputBufferLimitReplica(t *testing.T) {
	for name, srv := range bothServers(t, "repl-diskless-sync no") {
		t.Run(name, func(t *testing.T) {
			ctl := redistest.Dial(t, srv.Addr)
			ctl.MustOK("CONFIG", "SET", "client-output-buffer-limit", "replica 4mb 0 0")
			stalled := stalledReplica(t, srv.Addr)
			waitFor(t, 10*time.Second, "the stalled replica to be listed", func() bool {
				return info(t, ctl, "replication")["connected_slaves"] == "1"
			})
			val := strings.Repeat("v", 64<<10)
			for i := 0; i < 400; i++ { // 25 MB of stream, far past 4 MB plus the socket buffers
				ctl.MustOK("SET", "k"+strconv.Itoa(i%50), val)
			}
			waitFor(t, 15*time.Second, "the stalled replica's disconnection", func() bool {
				return info(t, ctl, "replication")["connected_slaves"] == "0"
			})
			stalled.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.Copy(io.Discard, stalled); err != nil {
				t.Errorf("stalled replica's connection: %v, want it closed by the server", err)
			}
			if v := ctl.DoValue("GET", "k49"); v.Str != val {
				t.Fatalf("GET k49 after the kill: %d bytes", len(v.Str))
			}

			// A replica that reads keeps its link under the same load (a
			// hard limit that still cuts one that would not read: 26 MB >
			// 16 MB, with room for a loaded machine's slower reader).
			ctl.MustOK("CONFIG", "SET", "client-output-buffer-limit", "replica 16mb 0 0")
			reader := stalledReplica(t, srv.Addr)
			var got atomic.Int64
			go func() {
				buf := make([]byte, 64<<10)
				for {
					reader.SetReadDeadline(time.Now().Add(30 * time.Second))
					n, err := reader.Read(buf)
					got.Add(int64(n))
					if err != nil {
						return
					}
				}
			}()
			waitFor(t, 10*time.Second, "the reading replica to be online", func() bool {
				return strings.Contains(info(t, ctl, "replication")["slave0"], "state=online")
			})
			for i := 0; i < 400; i++ {
				ctl.MustOK("SET", "k"+strconv.Itoa(i%50), val)
			}
			waitFor(t, 15*time.Second, "the reading replica to take the stream", func() bool {
				return got.Load() > 400<<16
			})
			if n := info(t, ctl, "replication")["connected_slaves"]; n != "1" {
				t.Errorf("connected_slaves %s with a reading replica, want 1", n)
			}
			ctl.MustOK("CONFIG", "SET", "client-output-buffer-limit", "replica 256mb 64mb 60")
		})
	}
}

// stalledReplica connects as a replica (PSYNC ? -1) and, once the reply has
// come, reads nothing more.
func stalledReplica(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	// A small receive buffer, so the kernel holds little of what is sent.
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetReadBuffer(64 << 10)
	}
	br := bufio.NewReaderSize(nc, 16)
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "REPLCONF capa psync2\r\n")
	if l, _ := br.ReadString('\n'); l != "+OK\r\n" {
		t.Fatalf("REPLCONF: %q", l)
	}
	io.WriteString(nc, "PSYNC ? -1\r\n")
	if l, _ := br.ReadString('\n'); !strings.HasPrefix(l, "+FULLRESYNC") {
		t.Fatalf("PSYNC: %q", l)
	}
	return nc
}

// TestQueryLimitsLikeRedis: proto-max-bulk-len and client-query-buffer-limit
// against a live server give redis-server's reply and disconnection, and
// the server keeps serving other clients with its data intact.
func TestQueryLimitsLikeRedis(t *testing.T) {
	big := func(n int) []byte {
		return redistest.AppendCommand(nil, "SET", "big", strings.Repeat("x", n))
	}
	pipeline := func(n int) []byte { // n small commands in one write, never read
		var b []byte
		for i := 0; i < n; i++ {
			b = redistest.AppendCommand(b, "SET", "p", "v")
		}
		return b
	}
	cases := []struct {
		name, limit, value string
		payload            []byte
	}{
		{"bulk over proto-max-bulk-len", "proto-max-bulk-len", "1mb", big(2 << 20)},
		{"bulk at proto-max-bulk-len", "proto-max-bulk-len", "1mb", big(1 << 20)},
		{"bulk over client-query-buffer-limit", "client-query-buffer-limit", "1mb", big(3 << 20)},
		{"half-sent bulk over client-query-buffer-limit", "client-query-buffer-limit", "1mb", big(3 << 20)[:2<<20]},
		{"pipeline under client-query-buffer-limit", "client-query-buffer-limit", "1mb", pipeline(20000)},
	}
	got := map[string][]string{}
	for name, srv := range bothServers(t) {
		ctl := redistest.Dial(t, srv.Addr)
		ctl.MustOK("SET", "keep", "1")
		for _, tc := range cases {
			ctl.MustOK("CONFIG", "SET", tc.limit, tc.value)
			out, closed := rawBytes(t, srv.Addr, tc.payload, 2*time.Second) // a loaded CI machine may take a while
			n := len(out)
			if len(out) > 64 {
				out = out[:64] + "..." // the pipeline's replies: count them below
			}
			got[name] = append(got[name], tc.name+": "+strconv.Quote(out)+" bytes="+strconv.Itoa(n)+" closed="+strconv.FormatBool(closed))
			ctl.MustOK("CONFIG", "SET", "proto-max-bulk-len", "512mb")
			ctl.MustOK("CONFIG", "SET", "client-query-buffer-limit", "1gb")
			if v := ctl.DoValue("GET", "keep"); v.Str != "1" {
				t.Fatalf("%s: GET keep after %s: %v", name, tc.name, v)
			}
		}
	}
	for i := range cases {
		if got["redis-server"][i] != got["redpebble"][i] {
			t.Errorf("redis-server: %s\nredpebble:    %s", got["redis-server"][i], got["redpebble"][i])
		}
	}
}

// rawBytes writes b on a fresh connection and reads until the server closes
// it or goes quiet for the quiet period.
func rawBytes(t *testing.T, addr string, b []byte, quiet time.Duration) (string, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go c.Write(b) // the server may stop reading
	var out strings.Builder
	buf := make([]byte, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(quiet))
		n, err := c.Read(buf)
		out.Write(buf[:n])
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return out.String(), false
		}
		if err != nil {
			return out.String(), true
		}
	}
}
