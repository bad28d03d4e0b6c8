package replication

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/redpebble/redpebble/resp"
	"github.com/redpebble/redpebble/store"
)

// The shell against a scripted master on loopback: the real bytes a Redis
// 7.0.15 master sent for a diskless full sync (psync-stream.bin), then a
// stream with MULTI and GETACK, then a restart that continues.

type modelApplier struct {
	mu sync.Mutex
	m  *model
	d  *store.DB
}

func (a *modelApplier) Apply(b *Batch) (int, error) {
	db := b.DB
	err := a.d.Update(func(tx *store.Tx) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, u := range b.Units {
			for _, c := range u.Cmds {
				if isCmd(c, "SELECT") {
					db, _ = strconv.Atoi(string(c[1]))
					continue
				}
				if isCmd(c, "PING") {
					continue
				}
				a.m.apply(db, [][][]byte{c})
			}
		}
		rs := b.Repl
		rs.DB = db
		tx.SetRepl(rs)
		return nil
	})
	return db, err
}

func (a *modelApplier) LoadApply(tx *store.Tx, db int, cmds [][][]byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.m.apply(db, cmds)
}

func (a *modelApplier) keys() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, d := range a.m.dbs {
		n += len(d)
	}
	return n
}

func (a *modelApplier) str(db int, k string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if v := a.m.dbs[db][k]; v != nil {
		return v.str
	}
	return ""
}

// fakeMaster serves one replica connection at a time with script.
type fakeMaster struct {
	t  *testing.T
	ln net.Listener
}

type masterConn struct {
	t  *testing.T
	c  net.Conn
	rd *resp.Reader
}

func (m *masterConn) expect(prefix ...string) [][]byte {
	m.t.Helper()
	m.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		args, _, err := m.rd.ReadCommand()
		if err != nil {
			m.t.Errorf("fake master: reading %v: %v", prefix, err)
			return nil
		}
		if len(args) == 0 {
			continue // the replica's keep-alive newline
		}
		for i, p := range prefix {
			if i >= len(args) || !strings.EqualFold(string(args[i]), p) {
				m.t.Errorf("fake master: got %q, want %v", args, prefix)
				return nil
			}
		}
		out := make([][]byte, len(args))
		for i, a := range args {
			out[i] = append([]byte(nil), a...)
		}
		return out
	}
}

func (m *masterConn) send(b []byte) {
	if _, err := m.c.Write(b); err != nil {
		m.t.Errorf("fake master: write: %v", err)
	}
}

func encode(args ...string) []byte {
	var b []byte
	b = resp.AppendArrayLen(b, len(args))
	for _, a := range args {
		b = resp.AppendBulkString(b, a)
	}
	return b
}

func TestReplicaShellAgainstScriptedMaster(t *testing.T) {
	stream, err := os.ReadFile("/work/shared/fixtures/rdb/redis-7.0.15/psync-stream.bin")
	if err != nil {
		t.Skip(err)
	}
	line, _, _ := bytes.Cut(stream, []byte("\r\n"))
	replid := strings.Fields(string(line))[1]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	d, err := store.Open("db", func() store.Options { o := store.DefaultOptions(); o.FS = vfs.NewMem(); return o }())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	app := &modelApplier{m: newModel(t), d: d}
	var logs strings.Builder
	var logMu sync.Mutex
	opts := Options{Config: Config{Host: "127.0.0.1", Port: port, ListeningPort: 6380, Timeout: 5 * time.Second},
		DB: d, Applier: app, Logf: func(level int, f string, args ...any) {
			logMu.Lock()
			fmt.Fprintf(&logs, f+"\n", args...)
			logMu.Unlock()
		}}
	accept := func() *masterConn {
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
		c, err := ln.Accept()
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		return &masterConn{t: t, c: c, rd: resp.NewReader(c)}
	}
	handshake := func(m *masterConn) [][]byte {
		m.expect("PING")
		m.send([]byte("+PONG\r\n"))
		m.expect("REPLCONF", "listening-port", "6380")
		m.expect("REPLCONF", "capa", "eof", "capa", "psync2")
		m.send([]byte("+OK\r\n+OK\r\n"))
		return m.expect("PSYNC")
	}

	r := Start(opts)
	m := accept()
	if p := handshake(m); string(p[1]) != "?" || string(p[2]) != "-1" {
		t.Fatalf("first PSYNC %q", p)
	}
	// Keep-alives before the payload, then the recorded bytes, split.
	m.send([]byte("\n\n"))
	for i := 0; i < len(stream); i += 777 {
		m.send(stream[i:min(i+777, len(stream))])
	}
	if a := m.expect("REPLCONF", "ACK"); string(a[2]) != "0" {
		t.Fatalf("first ACK %q", a)
	}
	if n := app.keys(); n != 94 {
		t.Fatalf("%d keys loaded, want 94", n)
	}
	if rs := d.Repl(); rs == nil || rs.ReplID != replid || rs.Offset != 0 {
		t.Fatalf("committed position %+v", rs)
	}
	var s []byte
	s = append(s, encode("SELECT", "1")...)
	s = append(s, encode("SET", "a", "1")...)
	s = append(s, encode("MULTI")...)
	s = append(s, encode("SET", "b", "2")...)
	s = append(s, encode("SET", "c", "3")...)
	s = append(s, encode("EXEC")...)
	before := len(s)
	s = append(s, encode("REPLCONF", "GETACK", "*")...)
	m.send(s)
	if a := m.expect("REPLCONF", "ACK"); string(a[2]) != strconv.Itoa(before) {
		t.Fatalf("GETACK answered %q, want %d", a, before)
	}
	if app.str(1, "c") != "3" || app.str(1, "a") != "1" {
		t.Fatalf("stream not applied")
	}
	total := int64(len(s))
	// The periodic ACK includes the GETACK.
	if a := m.expect("REPLCONF", "ACK"); string(a[2]) != strconv.FormatInt(total, 10) {
		t.Fatalf("periodic ACK %q, want %d", a, total)
	}
	st := r.Status()
	if st.State != StateConnected || st.Offset != total || st.ReplID != replid {
		t.Fatalf("status %+v", st)
	}
	// Half a command, then the link drops: it is sent again after +CONTINUE.
	half := encode("SET", "d", "4")
	m.send(half[:5])
	time.Sleep(50 * time.Millisecond)
	m.c.Close()
	m = accept()
	p := handshake(m)
	if string(p[1]) != replid || string(p[2]) != strconv.FormatInt(total+1, 10) {
		t.Fatalf("PSYNC after the drop %q, want %s %d", p, replid, total+1)
	}
	m.send([]byte("+CONTINUE " + replid + "\r\n"))
	m.send(half)
	total += int64(len(half))
	waitUntil(t, func() bool { return app.str(1, "d") == "4" })
	r.Stop()
	if rs := d.Repl(); rs.Offset != total || rs.DB != 1 {
		t.Fatalf("committed %+v, want offset %d db 1", rs, total)
	}

	// A restart continues from the store, in the stream's db.
	r = Start(opts)
	m = accept()
	p = handshake(m)
	if string(p[1]) != replid || string(p[2]) != strconv.FormatInt(total+1, 10) {
		t.Fatalf("PSYNC after restart %q", p)
	}
	newID := strings.Repeat("e", 40)
	m.send([]byte("+CONTINUE " + newID + "\r\n"))
	m.send(encode("SET", "e", "5"))
	total += int64(len(encode("SET", "e", "5")))
	waitUntil(t, func() bool { return app.str(1, "e") == "5" })
	waitUntil(t, func() bool { rs := d.Repl(); return rs.ReplID == newID && rs.Offset == total })
	if rs := d.Repl(); rs.ReplID2 != replid {
		t.Fatalf("replid2 %+v", rs)
	}
	// A master error while the payload is awaited: retry, old data kept.
	m.c.Close()
	m = accept()
	handshake(m)
	m.send([]byte("+FULLRESYNC " + strings.Repeat("f", 40) + " 9\r\n$EOF:" + strings.Repeat("m", 40) + "\r\nREDIS0010garbage"))
	m.c.Close()
	m = accept()
	if p := handshake(m); string(p[1]) != newID {
		t.Fatalf("after a failed transfer PSYNC %q, want the old id", p)
	}
	if app.keys() < 94 {
		t.Fatalf("old data lost")
	}
	r.Stop()
	logMu.Lock()
	t.Log(logs.String())
	logMu.Unlock()
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
