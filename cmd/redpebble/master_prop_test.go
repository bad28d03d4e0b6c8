package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// replStream connects to addr as a replica (PSYNC ? -1, no EOF capability,
// so both Redis and redpebble send a $<len> RDB), skips the RDB and returns
// a function giving the stream's next command as one line.
func replStream(t *testing.T, addr string) func() string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	br := bufio.NewReader(nc)
	line := func() string {
		nc.SetReadDeadline(time.Now().Add(20 * time.Second))
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("replication stream: %v", err)
			}
			if l = strings.TrimRight(l, "\r\n"); l != "" { // empty lines are keep-alives
				return l
			}
		}
	}
	fmt.Fprintf(nc, "REPLCONF capa psync2\r\n")
	if l := line(); l != "+OK" {
		t.Fatalf("REPLCONF: %s", l)
	}
	fmt.Fprintf(nc, "PSYNC ? -1\r\n")
	if l := line(); !strings.HasPrefix(l, "+FULLRESYNC") {
		t.Fatalf("PSYNC: %s", l)
	}
	hdr := line()
	n, err := strconv.ParseInt(strings.TrimPrefix(hdr, "$"), 10, 64)
	if err != nil {
		t.Fatalf("RDB header %q", hdr)
	}
	if _, err := io.CopyN(io.Discard, br, n); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	return func() string {
		for {
			if v, k, err := redistest.Parse(buf); err == nil {
				buf = buf[k:]
				parts := make([]string, len(v.Elems))
				for i, e := range v.Elems {
					parts[i] = strconv.Quote(e.Str)
				}
				return strings.Join(parts, " ")
			}
			nc.SetReadDeadline(time.Now().Add(20 * time.Second))
			b := make([]byte, 64<<10)
			k, err := br.Read(b)
			if err != nil {
				t.Fatalf("replication stream: %v (pending %q)", err, buf)
			}
			buf = append(buf, b[:k]...)
		}
	}
}

var (
	msTimestamp = regexp.MustCompile(`"1[0-9]{12}"`)
	spopMember  = regexp.MustCompile(`^"SREM" "st" "[a-z]"$`) // SPOP picks at random
)

// propagated runs cmds on the master at addr and returns what it
// propagated, up to the final marker, without PINGs and REPLCONFs and
// with millisecond timestamps masked.
func propagated(t *testing.T, addr string, cmds [][]string) []string {
	t.Helper()
	next := replStream(t, addr)
	c := redistest.Dial(t, addr)
	c.MustOK("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	c.MustOK("SELECT", "0")
	var woken []chan struct{}
	inMulti := false
	for _, cmd := range cmds {
		switch cmd[0] {
		case "sleep":
			time.Sleep(50 * time.Millisecond)
			continue
		case "blocked": // the rest runs on another connection, blocked until a later command serves it
			bc := redistest.Dial(t, addr)
			done := make(chan struct{})
			go func() { bc.Do(cmd[1:]...); close(done) }()
			woken = append(woken, done)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		c.Do(cmd...)
		if n := strings.ToUpper(cmd[0]); n == "MULTI" || inMulti && n != "EXEC" {
			inMulti = true
			continue
		}
		inMulti = false
		for _, done := range woken {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("a blocked command was not served by %v", cmd)
			}
		}
		woken = nil
	}
	c.MustOK("SET", "end-marker", "1")
	var out []string
	for {
		l := next()
		if strings.HasPrefix(l, `"PING"`) || strings.HasPrefix(strings.ToUpper(l), `"REPLCONF"`) || strings.HasPrefix(strings.ToLower(l), `"ping"`) {
			continue
		}
		if l == `"SET" "end-marker" "1"` {
			return out
		}
		l = spopMember.ReplaceAllString(l, `"SREM" "st" <member>`)
		out = append(out, msTimestamp.ReplaceAllString(l, `<ms>`))
	}
}

// TestMasterPropagationLikeRedis compares the replication stream of a
// redpebble master with a redis-server master's for the commands Redis
// rewrites before propagating them.
func TestMasterPropagationLikeRedis(t *testing.T) {
	requireFollower(t)
	payload := ""
	cmds := [][]string{
		{"SET", "s", "v"}, {"GETEX", "s", "EX", "100"}, {"GETEX", "s", "PERSIST"}, {"GETEX", "s"}, {"GETEX", "s", "PXAT", "1"},
		{"GETEX", "nokey", "EX", "5"},
		{"SET", "g", "1"}, {"GETDEL", "g"}, {"GETDEL", "g"},
		{"RPUSH", "l", "a", "b", "c", "d", "e", "f"}, {"BLPOP", "l", "0"}, {"BRPOP", "nol", "l", "0"},
		{"BLMOVE", "l", "l2", "LEFT", "RIGHT", "0"}, {"BRPOPLPUSH", "l", "l2", "0"},
		{"BLMPOP", "0", "2", "nol", "l", "LEFT", "COUNT", "5"}, {"LMPOP", "1", "l2", "RIGHT", "COUNT", "1"},
		{"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"}, {"BZPOPMIN", "z", "0"}, {"BZPOPMAX", "z", "0"},
		{"BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"}, {"ZMPOP", "1", "z", "MAX"},
		{"SADD", "st", "a", "b", "c", "d"}, {"SPOP", "st"}, {"SPOP", "st", "2"}, {"SPOP", "st", "5"},
		{"SET", "e", "1", "PX", "1"}, {"sleep"}, {"INCR", "e"}, {"SET", "e2", "1", "PX", "1"}, {"sleep"}, {"GET", "e2"},
		{"SET", "r", "1"}, {"RESTORE", "r3", "100000", "$payload"}, {"RESTORE", "r4", "0", "$payload"},
		{"RESTORE", "r4", "0", "$payload", "REPLACE", "IDLETIME", "10"},
		{"XADD", "x", "1-1", "f", "v"}, {"XADD", "x", "2-1", "f", "v"}, {"XADD", "x", "3-1", "f", "v"}, {"XADD", "x", "4-1", "f", "v"},
		{"XGROUP", "CREATE", "x", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "x", ">"},
		{"XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "1", "STREAMS", "x", ">"},
		{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "x", "0"},
		{"XREADGROUP", "GROUP", "g", "carol", "STREAMS", "x", "0"},
		{"XCLAIM", "x", "g", "dave", "0", "1-1"}, {"XCLAIM", "x", "g", "dave", "0", "2-1", "JUSTID"},
		{"XAUTOCLAIM", "x", "g", "eve", "0", "0", "COUNT", "1"},
		{"XDEL", "x", "2-1"}, {"XAUTOCLAIM", "x", "g", "frank", "0", "0"},
		{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "x", ">"},
		{"FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"},
		{"FUNCTION", "DELETE", "lib1"}, {"FUNCTION", "DELETE", "nolib"}, {"FUNCTION", "FLUSH"},
		{"SET", "t", "1"}, {"EXPIRE", "t", "100"}, {"PEXPIRE", "t", "100000"}, {"EXPIREAT", "t", "4000000000"},
		{"PERSIST", "t"}, {"SETEX", "t2", "100", "v"}, {"PSETEX", "t3", "100000", "v"}, {"EXPIRE", "t", "-1"},
		{"INCRBYFLOAT", "f", "1.5"}, {"HINCRBYFLOAT", "h", "x", "2.5"}, {"PUBLISH", "ch", "m"},
		{"FLUSHDB"}, {"FLUSHDB"}, {"FLUSHALL"}, {"FLUSHALL"}, {"DEL", "nokey"}, {"EXPIRE", "nokey", "10"},
		{"SET", "a", "hello"}, {"APPEND", "a", "!"}, {"SETRANGE", "a", "1", "EY"}, {"GETSET", "a", "x"},
		{"SET", "a", "y", "GET"}, {"SET", "a", "z", "NX"}, {"SET", "a", "z", "XX", "KEEPTTL"}, {"MSETNX", "m1", "1", "m2", "2"},
		{"MSETNX", "m1", "1", "m3", "3"}, {"DECRBY", "m1", "5"}, {"INCRBY", "m9", "2"}, {"SETNX", "m1", "q"},
		{"EXPIRE", "a", "100", "NX"}, {"EXPIRE", "a", "50", "GT"}, {"EXPIRE", "a", "50", "LT"}, {"PEXPIRE", "a", "-5"},
		{"RPUSH", "L", "a", "b", "c", "b"}, {"LSET", "L", "0", "A"}, {"LINSERT", "L", "BEFORE", "c", "x"}, {"LREM", "L", "0", "b"},
		{"LTRIM", "L", "0", "1"}, {"RPOPLPUSH", "L", "L2"}, {"LMOVE", "L2", "L", "LEFT", "LEFT"}, {"RPOP", "nolist"},
		{"HSET", "H", "a", "1", "b", "2"}, {"HSETNX", "H", "a", "9"}, {"HSETNX", "H", "c", "3"}, {"HDEL", "H", "a", "zz"}, {"HINCRBY", "H", "b", "4"},
		{"SADD", "S1", "a", "b", "c"}, {"SADD", "S2", "b", "c", "d"}, {"SREM", "S1", "a", "zz"}, {"SMOVE", "S1", "S2", "b"},
		{"SINTERSTORE", "S3", "S1", "S2"}, {"SUNIONSTORE", "S4", "S1", "S2"}, {"SDIFFSTORE", "S5", "S2", "S1"}, {"SINTERSTORE", "S6", "S1", "nos"},
		{"ZADD", "Z", "1", "a", "2", "b", "3", "c"}, {"ZINCRBY", "Z", "2.5", "a"}, {"ZADD", "Z", "GT", "CH", "1", "b"}, {"ZREM", "Z", "c", "zz"},
		{"ZREMRANGEBYSCORE", "Z", "0", "2"}, {"ZUNIONSTORE", "Z2", "2", "Z", "S2", "WEIGHTS", "2", "1"}, {"ZRANGESTORE", "Z3", "Z2", "0", "-1"},
		{"RENAME", "Z3", "Z4"}, {"RENAMENX", "Z4", "Z2"}, {"COPY", "Z4", "Z5"}, {"MOVE", "Z5", "3"}, {"SWAPDB", "0", "3"}, {"SWAPDB", "0", "3"},
		{"PFADD", "P", "a", "b"}, {"PFADD", "P", "a"}, {"PFMERGE", "P2", "P"}, {"SETBIT", "B", "7", "1"}, {"BITOP", "NOT", "B2", "B"},
		{"BITFIELD", "B3", "SET", "u8", "0", "255", "INCRBY", "u8", "0", "10"}, {"BITFIELD", "B3", "GET", "u8", "0"},
		{"GEOADD", "G", "13.361389", "38.115556", "Palermo"}, {"GEOADD", "G", "NX", "13.361389", "38.115556", "Palermo"},
		{"XADD", "X2", "1-1", "f", "v"}, {"XADD", "X2", "2-1", "f", "v"}, {"XTRIM", "X2", "MAXLEN", "1"}, {"XDEL", "X2", "9-9"},
		{"XSETID", "X2", "5-5"}, {"XGROUP", "CREATE", "X2", "g2", "$", "MKSTREAM"}, {"XGROUP", "DESTROY", "X2", "g2"},
		{"SORT", "L", "ALPHA", "STORE", "L3"}, {"UNLINK", "L3", "nokey"}, {"PERSIST", "nokey"}, {"DEL", "a", "m1", "m2"},
		{"PFADD", "P3", "x", "y"}, {"PFCOUNT", "P3"}, {"PFCOUNT", "P3"}, {"PFCOUNT", "P3", "P"},
		{"LPUSHX", "nol", "a"}, {"RPUSHX", "L", "z"}, {"ZADD", "Z6", "1", "a", "2", "b", "3", "c", "4", "d"}, {"ZPOPMIN", "Z6"},
		{"ZREMRANGEBYRANK", "Z6", "0", "0"}, {"ZREMRANGEBYLEX", "Z6", "[a", "[b"}, {"ZDIFFSTORE", "Z7", "1", "Z6"}, {"ZINTERSTORE", "Z8", "2", "Z6", "Z7"},
		{"HMSET", "H2", "a", "1"}, {"SPOP", "S4", "0"}, {"SPOP", "nos"}, {"XADD", "nox", "NOMKSTREAM", "*", "f", "v"},
		{"XGROUP", "CREATE", "X2", "g3", "0"}, {"XGROUP", "SETID", "X2", "g3", "$"}, {"XGROUP", "CREATECONSUMER", "X2", "g3", "c1"},
		{"XGROUP", "DELCONSUMER", "X2", "g3", "c1"}, {"XACK", "X2", "g3", "1-1"}, {"COPY", "H2", "H3", "DB", "2", "REPLACE"},
		{"RESTORE", "r4", "0", "$payload", "REPLACE"}, {"SETRANGE", "nokey2", "0", ""}, {"INCRBYFLOAT", "newf", "0.1"},
		{"SCRIPT", "LOAD", "return 1"}, {"SCRIPT", "FLUSH"}, {"SELECT", "2"}, {"SET", "db2", "v"}, {"SELECT", "0"}, {"SET", "db0", "v"},
		{"MULTI"}, {"SET", "t1", "1"}, {"EXPIRE", "t1", "100"}, {"GET", "t1"}, {"EXEC"},
		{"MULTI"}, {"GET", "t1"}, {"EXEC"}, {"SADD", "S9", "only"}, {"MULTI"}, {"SPOP", "S9"}, {"INCR", "t1"}, {"EXEC"},
		{"blocked", "BLPOP", "bk", "0"}, {"RPUSH", "bk", "a", "b"},
		{"blocked", "BLMOVE", "bk2", "bk3", "LEFT", "RIGHT", "0"}, {"LPUSH", "bk2", "x"},
		{"blocked", "BZPOPMIN", "bz", "0"}, {"ZADD", "bz", "1", "m", "2", "n"},
		{"blocked", "BLMPOP", "0", "1", "bk4", "RIGHT", "COUNT", "2"}, {"RPUSH", "bk4", "1", "2", "3"},
		{"XGROUP", "CREATE", "bx", "g", "$", "MKSTREAM"},
		{"blocked", "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "bx", ">"}, {"XADD", "bx", "7-1", "f", "v"},
		{"blocked", "BLPOP", "bk5", "0"}, {"MULTI"}, {"RPUSH", "bk5", "a"}, {"RPUSH", "bk5", "b"}, {"EXEC"},
		{"blocked", "BRPOPLPUSH", "bk6", "bk7", "0"}, {"RPUSH", "bk6", "q"},
		{"blocked", "BRPOP", "bk8", "0"}, {"blocked", "BLPOP", "bk8", "0"}, {"RPUSH", "bk8", "1", "2"},
	}
	run := func(addr string) []string {
		c := redistest.Dial(t, addr)
		c.MustOK("SET", "dumpsrc", "hello")
		v := c.DoValue("DUMP", "dumpsrc")
		c.Do("DEL", "dumpsrc")
		payload = v.Str
		var cs [][]string
		for _, cmd := range cmds {
			cc := append([]string(nil), cmd...)
			for i := range cc {
				if cc[i] == "$payload" {
					cc[i] = payload
				}
			}
			cs = append(cs, cc)
		}
		return propagated(t, addr, cs)
	}
	want := run(redistest.StartRedis(t, "enable-debug-command yes").Addr)
	got := run(startRedpebbleMaster(t).Addr)
	var diff bytes.Buffer
	for i := 0; i < max(len(want), len(got)); i++ {
		w, g := "", ""
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		mark := "  "
		if w != g {
			mark = "!!"
		}
		fmt.Fprintf(&diff, "%s %-60s | %s\n", mark, w, g)
	}
	if strings.Contains(diff.String(), "!!") {
		t.Errorf("propagated streams differ (redis | redpebble):\n%s", diff.String())
	}
}

// psyncReply sends PSYNC id off as a fresh replica connection and returns
// the first line of the answer.
func psyncReply(t *testing.T, addr, id string, off int64) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(nc)
	fmt.Fprintf(nc, "REPLCONF capa psync2\r\n")
	if l, _ := br.ReadString('\n'); l != "+OK\r\n" {
		t.Fatalf("REPLCONF: %q", l)
	}
	fmt.Fprintf(nc, "PSYNC %s %d\r\n", id, off)
	l, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(l, "\r\n")
}

// TestMasterPsyncNeverContinuesOverAGap: a replica asking for an offset
// past what the master has (it got bytes the master lost in a crash) gets
// a full resync, and after a restart the old id is only valid up to the
// committed offset + 1; offsets inside the (restored) backlog continue.
func TestMasterPsyncNeverContinuesOverAGap(t *testing.T) {
	requireFollower(t)
	rp := startRedpebbleMaster(t, "appendfsync always")
	rc := redistest.Dial(t, rp.Addr)
	replStream(t, rp.Addr) // a replica: the backlog exists from here on
	for i := 0; i < 100; i++ {
		rc.MustOK("SET", "k"+strconv.Itoa(i), "v")
	}
	r := info(t, rc, "replication")
	id := r["master_replid"]
	off, _ := strconv.ParseInt(r["master_repl_offset"], 10, 64)
	if l := psyncReply(t, rp.Addr, id, off+2); !strings.HasPrefix(l, "+FULLRESYNC") {
		t.Errorf("PSYNC %s %d (master at %d): %s, want +FULLRESYNC", id, off+2, off, l)
	}
	if l := psyncReply(t, rp.Addr, id, off-50); l != "+CONTINUE "+id {
		t.Errorf("PSYNC %s %d (master at %d): %s, want +CONTINUE", id, off-50, off, l)
	}
	rp.Kill()
	rp.Restart()
	rc = redistest.Dial(t, rp.Addr)
	r = info(t, rc, "replication")
	if r["master_replid2"] != id || r["second_repl_offset"] != strconv.FormatInt(off+1, 10) {
		t.Fatalf("after restart: replid2 %s second_repl_offset %s, want %s %d", r["master_replid2"], r["second_repl_offset"], id, off+1)
	}
	newID := r["master_replid"]
	if l := psyncReply(t, rp.Addr, id, off+2); !strings.HasPrefix(l, "+FULLRESYNC") {
		t.Errorf("after restart, PSYNC %s %d: %s, want +FULLRESYNC", id, off+2, l)
	}
	if l := psyncReply(t, rp.Addr, id, off-50); l != "+CONTINUE "+newID {
		t.Errorf("after restart, PSYNC %s %d: %s, want +CONTINUE %s (backlog restored)", id, off-50, l, newID)
	}
}

// TestMasterBacklogTTL: a master with no replica for repl-backlog-ttl
// seconds frees its backlog under a new replication id, so the old history
// no longer continues; redpebble's backlog on disk goes with it (nothing
// comes back after a restart).
func TestMasterBacklogTTL(t *testing.T) {
	for name, srv := range bothServers(t, "repl-backlog-ttl 1", "appendfsync always") {
		t.Run(name, func(t *testing.T) {
			ctl := redistest.Dial(t, srv.Addr)
			rep := stalledReplica(t, srv.Addr)
			ctl.MustOK("SET", "a", "1")
			r := info(t, ctl, "replication")
			id, off := r["master_replid"], r["master_repl_offset"]
			if r["repl_backlog_active"] != "1" {
				t.Fatalf("repl_backlog_active %s with a replica, want 1", r["repl_backlog_active"])
			}
			time.Sleep(2500 * time.Millisecond) // a replica connected: the backlog stays
			if r := info(t, ctl, "replication"); r["repl_backlog_active"] != "1" || r["master_replid"] != id {
				t.Fatalf("with a replica after 2.5 s: repl_backlog_active %s, replid %s (was %s)", r["repl_backlog_active"], r["master_replid"], id)
			}
			rep.Close()
			waitFor(t, 10*time.Second, "the backlog to be freed", func() bool {
				return info(t, ctl, "replication")["repl_backlog_active"] == "0"
			})
			r = info(t, ctl, "replication")
			// (The offset may have moved by a PING sent while the replica was there.)
			o, _ := strconv.ParseInt(r["master_repl_offset"], 10, 64)
			if o0, _ := strconv.ParseInt(off, 10, 64); r["master_replid"] == id || r["master_replid2"] != strings.Repeat("0", 40) || o < o0 {
				t.Errorf("after the ttl: replid %s replid2 %s offset %d, want a new id, no replid2, offset >= %d", r["master_replid"], r["master_replid2"], o, o0)
			}
			if l := psyncReply(t, srv.Addr, id, o+1); !strings.HasPrefix(l, "+FULLRESYNC") {
				t.Errorf("PSYNC of the old history after the ttl: %s, want +FULLRESYNC", l)
			}
			if name != "redpebble" {
				return
			}
			if !strings.Contains(srv.Log(), "Replication backlog freed after 1 seconds without connected replicas.") {
				t.Errorf("no log line of the freed backlog")
			}
			srv.Kill()
			srv.Restart()
			ctl = redistest.Dial(t, srv.Addr)
			if r := info(t, ctl, "replication"); r["repl_backlog_active"] != "0" {
				t.Errorf("after a restart: repl_backlog_active %s, want 0 (the chunks on disk went with the backlog)", r["repl_backlog_active"])
			}
			if l := psyncReply(t, srv.Addr, id, o+1); !strings.HasPrefix(l, "+FULLRESYNC") {
				t.Errorf("PSYNC of the old history after a restart: %s, want +FULLRESYNC", l)
			}
		})
	}
}
