package server

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/redpebble/redpebble/server/config"
	"github.com/redpebble/redpebble/server/redistest"
	"github.com/redpebble/redpebble/store"
)

// startFaultServer starts an in-process server whose store is on a FaultFS
// over the real file system, serving on a loopback port.
func startFaultServer(t *testing.T, args ...string) (*Server, *store.FaultFS, string) {
	t.Helper()
	ffs := store.NewFaultFS(vfs.Default)
	testStoreFS = ffs
	defer func() { testStoreFS = nil }()
	cfg, _, err := config.Load(append([]string{"--dir", t.TempDir(), "--appendfsync", "always"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return s, ffs, ln.Addr().String()
}

func infoField(c *redistest.Conn, section, field string) string {
	v := c.DoValue("INFO", section)
	for _, l := range strings.Split(v.Str, "\r\n") {
		if k, val, ok := strings.Cut(l, ":"); ok && k == field {
			return val
		}
	}
	return ""
}

func waitCond(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDiskFaultMaster: while the disk fails, writes get MISCONF, reads work,
// INFO persistence shows the error; the server resumes when it recovers.
func TestDiskFaultMaster(t *testing.T) {
	_, ffs, addr := startFaultServer(t)
	c := redistest.Dial(t, addr)
	c.MustOK("SET", "a", "1")
	ffs.SetFailing(true)
	v := c.DoValue("SET", "b", "2")
	if !v.IsError() || !strings.HasPrefix(v.Str, "MISCONF Errors writing to the AOF file: ") {
		t.Fatalf("SET on a failing disk: %v", v)
	}
	waitCond(t, 5*time.Second, "aof_last_write_status:err", func() bool {
		return infoField(c, "persistence", "aof_last_write_status") == "err"
	})
	v = c.DoValue("SET", "c", "3")
	if !v.IsError() || !strings.HasPrefix(v.Str, "MISCONF Errors writing to the AOF file: ") {
		t.Fatalf("SET while failed: %v", v)
	}
	if v := c.DoValue("PING"); !v.IsError() || !strings.HasPrefix(v.Str, "MISCONF") {
		t.Fatalf("PING while failed: %v", v)
	}
	if got := c.DoValue("GET", "a"); got.Str != "1" {
		t.Fatalf("GET while failed: %v", got)
	}
	if e := infoField(c, "persistence", "pebble_last_write_error"); e == "" {
		t.Fatal("INFO persistence lacks pebble_last_write_error")
	}
	ffs.SetFailing(false)
	waitCond(t, 10*time.Second, "recovery", func() bool {
		return infoField(c, "persistence", "aof_last_write_status") == "ok"
	})
	c.MustOK("SET", "d", "4")
	if got := c.DoValue("GET", "a"); got.Str != "1" {
		t.Fatalf("GET after recovery: %v", got)
	}
	if got := c.DoValue("EXISTS", "b", "c"); got.Int != 0 {
		t.Fatalf("refused writes exist after recovery: %v", got)
	}
}

// TestDiskFaultReplica: a replica whose store fails never acks beyond what
// it stored, keeps serving reads, and catches up once the disk recovers.
func TestDiskFaultReplica(t *testing.T) {
	master := redistest.StartRedis(t, "enable-debug-command yes")
	m := redistest.Dial(t, master.Addr)
	s, ffs, addr := startFaultServer(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port), "--enable-debug-command", "yes")
	r := redistest.Dial(t, addr)
	for i := 0; i < 100; i++ {
		m.MustOK("SET", "k"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	synced := func() bool {
		return infoField(r, "replication", "master_link_status") == "up" &&
			infoField(r, "replication", "slave_repl_offset") == infoField(m, "replication", "master_repl_offset")
	}
	waitCond(t, 20*time.Second, "initial sync", synced)
	stored := s.db.Repl().Offset

	ffs.SetFailing(true)
	for i := 0; i < 100; i++ {
		m.MustOK("SET", "f"+strconv.Itoa(i), "x")
	}
	moff, _ := strconv.ParseInt(infoField(m, "replication", "master_repl_offset"), 10, 64)
	ackOf := func() int64 {
		s0 := infoField(m, "replication", "slave0")
		for _, kv := range strings.Split(s0, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok && k == "offset" {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		return -1
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if a := ackOf(); a > stored {
			t.Fatalf("replica acked %d, stored only %d (master at %d)", a, stored, moff)
		}
		if got := s.db.Repl().Offset; got != stored {
			t.Fatalf("stored offset moved to %d during the fault", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s.db.Failed() == nil {
		t.Fatal("store not failed")
	}
	if got := r.DoValue("GET", "k7"); got.Str != "v7" {
		t.Fatalf("read on the failed replica: %v", got)
	}
	ffs.SetFailing(false)
	waitCond(t, 30*time.Second, "catch up after recovery", synced)
	if a, b := m.DoValue("DEBUG", "DIGEST").Str, r.DoValue("DEBUG", "DIGEST").Str; a != b {
		t.Fatalf("digest master %s replica %s", a, b)
	}
	if got := r.DoValue("GET", "f99"); got.Str != "x" {
		t.Fatalf("f99 after recovery: %v", got)
	}
	t.Logf("stored %d during the fault; master reached %d; sync_full=%s sync_partial_ok=%s", stored, moff,
		infoField(m, "stats", "sync_full"), infoField(m, "stats", "sync_partial_ok"))
}
