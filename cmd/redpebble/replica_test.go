package main

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpebble/redpebble/server/redistest"
)

// Follower tests: a real redis-server master, redpebble following it.

func requireFollower(t *testing.T) {
	t.Helper()
	requireBinary(t)
	if againstRedis() {
		t.Skip("follower tests need redpebble itself")
	}
}

// startFollower starts redpebble as a replica of master with extra conf lines.
func startFollower(t *testing.T, master *redistest.Server, dir string, conf ...string) *redistest.Server {
	t.Helper()
	bin := redistest.BuildRedpebble(t)
	args := append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(master.Port), "--enable-debug-command", "yes"}, confArgs(conf)...)
	return redistest.StartRedpebble(t, bin, dir, args...)
}

func info(t *testing.T, c *redistest.Conn, section string) map[string]string {
	t.Helper()
	v := c.DoValue("INFO", section)
	if v.IsError() {
		t.Fatalf("INFO %s: %s", section, v.Str)
	}
	m := map[string]string{}
	s := strings.TrimPrefix(v.Str, "txt:")
	for _, l := range strings.Split(s, "\r\n") {
		if k, val, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, "#") {
			m[k] = val
		}
	}
	return m
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSynced waits until the follower applied everything the master wrote.
func waitSynced(t *testing.T, mc, rc *redistest.Conn) {
	t.Helper()
	var last string
	waitFor(t, 60*time.Second, "the follower to catch up", func() bool {
		m := info(t, mc, "replication")
		r := info(t, rc, "replication")
		last = fmt.Sprintf("master %s, follower %s (%s)", m["master_repl_offset"], r["slave_repl_offset"], r["master_link_status"])
		return r["master_link_status"] == "up" && m["master_repl_offset"] == r["slave_repl_offset"]
	})
	t.Logf("synced: %s", last)
}

// compareData checks every db of the follower against the master: DBSIZE,
// and per key TYPE, and for strings the value and PEXPIRETIME.
func compareData(t *testing.T, mc, rc *redistest.Conn) int {
	t.Helper()
	// Types whose commands the follower does not have yet cannot be
	// replicated: leave their keys out (they are built in parallel).
	missing := map[string]bool{}
	for typ, cmd := range map[string]string{"list": "rpush", "hash": "hset", "set": "sadd", "zset": "zadd", "stream": "xadd"} {
		if v := rc.DoValue("COMMAND", "INFO", cmd); len(v.Elems) == 1 && v.Elems[0].Null {
			missing["+"+typ+"\r\n"] = true
		}
	}
	total, skipped := 0, 0
	for db := 0; db < 16; db++ {
		mc.MustOK("SELECT", strconv.Itoa(db))
		rc.MustOK("SELECT", strconv.Itoa(db))
		ms, rs := mc.DoValue("DBSIZE").Int, rc.DoValue("DBSIZE").Int
		var keys []string
		cursor := "0"
		for {
			v := mc.DoValue("SCAN", cursor, "COUNT", "1000")
			cursor = v.Elems[0].Str
			for _, k := range v.Elems[1].Elems {
				keys = append(keys, k.Str)
			}
			if cursor == "0" {
				break
			}
		}
		for _, c := range []*redistest.Conn{mc, rc} {
			for _, k := range keys {
				c.Send("TYPE", k)
				c.Send("GET", k)
				c.Send("PEXPIRETIME", k)
			}
		}
		replies := func(c *redistest.Conn) []string {
			out := make([]string, 0, 3*len(keys))
			for range 3 * len(keys) {
				out = append(out, string(c.Receive()))
			}
			return out
		}
		mr, rr := replies(mc), replies(rc)
		dbSkipped := 0
		for i, k := range keys {
			typ := mr[3*i]
			if missing[typ] {
				dbSkipped++
				continue
			}
			if rr[3*i] != typ {
				t.Errorf("db %d key %q: TYPE master %q, follower %q", db, k, typ, rr[3*i])
				continue
			}
			if typ == "+string\r\n" && mr[3*i+1] != rr[3*i+1] {
				t.Errorf("db %d key %q: GET master %.80q, follower %.80q", db, k, mr[3*i+1], rr[3*i+1])
			}
			if mr[3*i+2] != rr[3*i+2] {
				t.Errorf("db %d key %q: PEXPIRETIME master %q, follower %q", db, k, mr[3*i+2], rr[3*i+2])
			}
		}
		if ms-int64(dbSkipped) != rs {
			t.Errorf("db %d: DBSIZE master %d (%d of types the follower lacks), follower %d", db, ms, dbSkipped, rs)
		}
		total += len(keys) - dbSkipped
		skipped += dbSkipped
	}
	mc.MustOK("SELECT", "0")
	rc.MustOK("SELECT", "0")
	if skipped == 0 {
		md, rd := mc.DoValue("DEBUG", "DIGEST"), rc.DoValue("DEBUG", "DIGEST")
		if !md.IsError() && md.Str != rd.Str {
			t.Errorf("DEBUG DIGEST master %v, follower %v", md, rd)
		} else if !md.IsError() {
			t.Logf("DEBUG DIGEST %s on both", md.Str)
		}
	} else {
		t.Logf("%d keys of types the follower lacks were not compared", skipped)
	}
	return total
}

// fillStrings writes n strings spread over dbs 0, 1 and 9, some with TTLs.
func fillStrings(t *testing.T, c *redistest.Conn, n int, tag string) {
	t.Helper()
	for _, db := range []string{"0", "1", "9"} {
		c.MustOK("SELECT", db)
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("%s:%s:%d", tag, db, i)
			switch i % 5 {
			case 0:
				c.Send("SET", k, strings.Repeat("x", i%300), "PX", strconv.Itoa(3600000+i))
			case 1:
				c.Send("SET", k, strconv.Itoa(i))
			default:
				c.Send("SET", k, fmt.Sprintf("v\x00\r\n%d", i))
			}
		}
		for i := 0; i < n; i++ {
			c.Receive()
		}
	}
	c.MustOK("SELECT", "0")
}

func TestFollowerFullSync(t *testing.T) {
	requireFollower(t)
	for _, mode := range []struct {
		name string
		conf []string
	}{
		{"disk", []string{"repl-diskless-sync no"}},
		{"diskless", []string{"repl-diskless-sync yes", "repl-diskless-sync-delay 0"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			master := redistest.StartRedis(t, append([]string{"enable-debug-command yes"}, mode.conf...)...)
			mc := redistest.Dial(t, master.Addr)
			fillStrings(t, mc, 2000, "k")
			mc.Do("SET", "big", strings.Repeat("b", 1<<20))
			// Other types ride along (applied as their commands land).
			mc.Do("RPUSH", "list", "a", "b")
			mc.Do("HSET", "hash", "f", "v")
			rp := startFollower(t, master, t.TempDir())
			rc := redistest.Dial(t, rp.Addr)
			waitSynced(t, mc, rc)
			if n := compareStrings(t, mc, rc); n < 6000 {
				t.Fatalf("compared %d keys", n)
			}
			if got := info(t, mc, "stats")["sync_full"]; got != "1" {
				t.Errorf("master sync_full %s", got)
			}
			role := rc.DoValue("ROLE")
			if len(role.Elems) != 5 || role.Elems[0].Str != "slave" || role.Elems[3].Str != "connected" || role.Elems[2].Int != int64(master.Port) {
				t.Errorf("ROLE %v", role)
			}
			if got := string(rc.Do("SET", "x", "1")); got != "-READONLY You can't write against a read only replica.\r\n" {
				t.Errorf("write on replica: %q", got)
			}
			rc.MustOK("CONFIG", "SET", "replica-read-only", "no")
			rc.MustOK("SET", "local", "1")
			rc.MustOK("CONFIG", "SET", "replica-read-only", "yes")
			ri := info(t, rc, "replication")
			for _, f := range []string{"role", "master_host", "master_port", "master_link_status", "master_last_io_seconds_ago",
				"master_sync_in_progress", "slave_read_repl_offset", "slave_repl_offset", "slave_priority", "slave_read_only",
				"replica_announced", "connected_slaves", "master_failover_state", "master_replid", "master_replid2",
				"master_repl_offset", "second_repl_offset", "repl_backlog_active", "repl_backlog_size",
				"repl_backlog_first_byte_offset", "repl_backlog_histlen"} {
				if _, ok := ri[f]; !ok {
					t.Errorf("INFO replication lacks %s", f)
				}
			}
			if ri["role"] != "slave" || ri["master_replid"] != info(t, mc, "replication")["master_replid"] {
				t.Errorf("INFO replication: %v", ri)
			}
			if !strings.Contains(rp.Log(), "MASTER <-> REPLICA sync: Finished with success") {
				t.Errorf("log lacks the sync steps:\n%s", rp.LogTail(30))
			}
		})
	}
}

// compareStrings is compareData, minus the local key a test may add.
func compareStrings(t *testing.T, mc, rc *redistest.Conn) int { return compareData(t, mc, rc) }

// workload runs random string and key commands on the master.
func workload(t *testing.T, c *redistest.Conn, rng *rand.Rand, n int) {
	t.Helper()
	key := func() string { return "w:" + strconv.Itoa(rng.Intn(300)) }
	now := time.Now().UnixMilli()
	sent := 0
	for i := 0; i < n; i++ {
		switch rng.Intn(16) {
		case 0:
			c.Send("SELECT", strconv.Itoa(rng.Intn(3)))
		case 1:
			c.Send("DEL", key(), key())
		case 2:
			c.Send("INCR", key()+":n")
		case 3:
			c.Send("APPEND", key(), "ab\x00")
		case 4:
			c.Send("EXPIRE", key(), strconv.Itoa(100+rng.Intn(1000)))
		case 5:
			c.Send("PEXPIREAT", key(), strconv.FormatInt(now+int64(rng.Intn(1e7))+1e6, 10))
		case 6:
			c.Send("MSET", key(), "m1", key(), "m2")
		case 7:
			c.Send("MULTI")
			c.Send("SET", key(), "in-multi")
			c.Send("INCRBY", key()+":n", "5")
			c.Send("EXEC")
			sent += 3
		case 8:
			c.Send("GETSET", key(), strconv.Itoa(i))
		case 9:
			c.Send("SETEX", key(), "500", "sx")
		case 10:
			c.Send("PERSIST", key())
		case 11:
			c.Send("RENAME", key(), key())
		case 12:
			c.Send("INCRBYFLOAT", key()+":f", "1.5")
		case 13:
			c.Send("SETRANGE", key(), strconv.Itoa(rng.Intn(20)), "rr")
		case 14:
			c.Send("GETDEL", key())
		default:
			c.Send("SET", key(), strings.Repeat("s", rng.Intn(100)))
		}
		sent++
	}
	for i := 0; i < sent; i++ {
		c.Receive()
	}
	c.MustOK("SELECT", "0")
}

func TestFollowerStreamWorkload(t *testing.T) {
	requireFollower(t)
	seed := time.Now().UnixNano()
	if s := os.Getenv("REDPEBBLE_DIFF_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync yes", "repl-diskless-sync-delay 0")
	mc := redistest.Dial(t, master.Addr)
	fillStrings(t, mc, 200, "pre")
	rp := startFollower(t, master, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	// Concurrent writers on the master while the follower applies.
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		c := redistest.Dial(t, master.Addr)
		r := rand.New(rand.NewSource(rng.Int63()))
		go func() {
			defer wg.Done()
			workload(t, c, r, 3000)
		}()
	}
	wg.Wait()
	// WAIT makes the master send GETACK; the follower answers with its offset.
	if v := mc.DoValue("WAIT", "1", "5000"); v.Int != 1 {
		t.Errorf("WAIT 1 = %v", v)
	}
	waitSynced(t, mc, rc)
	t.Logf("compared %d keys", compareData(t, mc, rc))
}

func TestFollowerPartialResyncAfterLinkDrop(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes")
	mc := redistest.Dial(t, master.Addr)
	fillStrings(t, mc, 100, "a")
	rp := startFollower(t, master, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	for round := 0; round < 3; round++ {
		mc.Do("CLIENT", "KILL", "TYPE", "replica")
		workload(t, mc, rand.New(rand.NewSource(int64(round))), 500)
		waitSynced(t, mc, rc)
	}
	// The same from the follower's side.
	if v := rc.DoValue("CLIENT", "KILL", "TYPE", "master"); v.Int != 1 {
		t.Errorf("CLIENT KILL TYPE master = %v", v)
	}
	workload(t, mc, rand.New(rand.NewSource(9)), 300)
	waitSynced(t, mc, rc)
	st := info(t, mc, "stats")
	if st["sync_full"] != "1" || st["sync_partial_ok"] != "4" {
		t.Errorf("master stats: sync_full %s sync_partial_ok %s", st["sync_full"], st["sync_partial_ok"])
	}
	compareData(t, mc, rc)
}

func TestFollowerKill9ContinuesWithPSYNC(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-backlog-size 256mb", "repl-diskless-sync-delay 0")
	mc := redistest.Dial(t, master.Addr)
	fillStrings(t, mc, 300, "a")
	rp := startFollower(t, master, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := redistest.Dial(t, master.Addr)
		r := rand.New(rand.NewSource(7))
		for {
			select {
			case <-stop:
				return
			default:
			}
			workload(t, c, r, 200)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for round := 0; round < 2; round++ {
		time.Sleep(700 * time.Millisecond)
		rp.Kill()
		time.Sleep(200 * time.Millisecond)
		rp.Restart()
	}
	close(stop)
	wg.Wait()
	rc = redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	st := info(t, mc, "stats")
	if st["sync_full"] != "1" {
		t.Errorf("master sync_full %s after kill -9: the follower should continue with PSYNC", st["sync_full"])
	}
	if n, _ := strconv.Atoi(st["sync_partial_ok"]); n < 2 {
		t.Errorf("master sync_partial_ok %s", st["sync_partial_ok"])
	}
	if !strings.Contains(rp.Log(), "Successful partial resynchronization with master.") {
		t.Errorf("log:\n%s", rp.LogTail(40))
	}
	compareData(t, mc, rc)
}

func TestFollowerMasterRestartFullResyncKeepsServing(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes")
	mc := redistest.Dial(t, master.Addr)
	const n = 3000
	for i := 0; i < n; i++ {
		mc.Send("SET", "stable:"+strconv.Itoa(i), "v1")
	}
	for i := 0; i < n; i++ {
		mc.Receive()
	}
	rp := startFollower(t, master, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	oldID := info(t, rc, "replication")["master_replid"]

	// A reader polls the follower the whole time.
	var bad atomic.Value
	var reads atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := redistest.Dial(t, rp.Addr)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := "stable:" + strconv.Itoa(i*7%n)
			v := c.DoValue("GET", k)
			if v.IsError() || v.Null {
				bad.Store(fmt.Sprintf("GET %s = %v", k, v))
			}
			if d := c.DoValue("DBSIZE"); d.Int != n && d.Int != n+1 {
				bad.Store(fmt.Sprintf("DBSIZE = %v", d))
			}
			reads.Add(1)
		}
	}()
	mc.MustOK("SET", "stable:0", "v2")
	mc.Do("SET", "new", "x")
	mc.MustOK("SAVE")
	master.Kill()
	time.Sleep(300 * time.Millisecond)
	master.Restart()
	mc = redistest.Dial(t, master.Addr)
	waitFor(t, 60*time.Second, "a new replid", func() bool {
		r := info(t, rc, "replication")
		return r["master_replid"] != oldID && r["master_link_status"] == "up"
	})
	waitSynced(t, mc, rc)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if b := bad.Load(); b != nil {
		t.Errorf("the reader saw %v", b)
	}
	t.Logf("%d reads during the resync", reads.Load())
	if v := rc.DoValue("GET", "stable:0"); v.Str != "v2" {
		t.Errorf("after the resync GET stable:0 = %v", v)
	}
	compareData(t, mc, rc)

	// Link down with replica-serve-stale-data no: MASTERDOWN.
	master.Kill()
	waitFor(t, 30*time.Second, "link down", func() bool { return info(t, rc, "replication")["master_link_status"] == "down" })
	rc.MustOK("CONFIG", "SET", "replica-serve-stale-data", "no")
	if got := string(rc.Do("GET", "stable:1")); got != "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n" {
		t.Errorf("GET with the link down: %q", got)
	}
	rc.MustOK("CONFIG", "SET", "replica-serve-stale-data", "yes")
	if v := rc.DoValue("GET", "stable:1"); v.Str != "v1" {
		t.Errorf("stale GET = %v", v)
	}
	rc.MustOK("REPLICAOF", "NO", "ONE")
	if v := rc.DoValue("ROLE"); v.Elems[0].Str != "master" {
		t.Errorf("ROLE after REPLICAOF NO ONE: %v", v)
	}
	rc.MustOK("SET", "writable", "1")
}

func TestFollowerSyncProgressInInfo(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync no")
	mc := redistest.Dial(t, master.Addr)
	mc.MustOK("DEBUG", "POPULATE", "100000", "key", "100")
	rp := startFollower(t, master, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	var sawSync, sawLoading bool
	waitFor(t, 120*time.Second, "the sync", func() bool {
		r := info(t, rc, "replication")
		if r["master_sync_in_progress"] == "1" {
			if tb, _ := strconv.Atoi(r["master_sync_total_bytes"]); tb > 0 {
				for _, f := range []string{"master_sync_read_bytes", "master_sync_left_bytes", "master_sync_perc", "master_sync_last_io_seconds_ago"} {
					if _, ok := r[f]; !ok {
						t.Errorf("INFO during sync lacks %s", f)
					}
				}
				sawSync = true
			}
			p := info(t, rc, "persistence")
			if p["async_loading"] == "1" && p["loading_loaded_bytes"] != "" {
				sawLoading = true
			}
			// Clients keep being served the old (empty) copy.
			if v := rc.DoValue("DBSIZE"); v.IsError() {
				t.Errorf("DBSIZE during the sync: %v", v)
			}
		}
		return r["master_link_status"] == "up"
	})
	if !sawSync || !sawLoading {
		t.Errorf("INFO never showed the sync in progress (replication %v, persistence %v)", sawSync, sawLoading)
	}
	waitSynced(t, mc, rc)
	if v := rc.DoValue("DBSIZE"); v.Int != 100000 {
		t.Errorf("DBSIZE %v", v)
	}
	if md, rd := mc.DoValue("DEBUG", "DIGEST"), rc.DoValue("DEBUG", "DIGEST"); md.Str != rd.Str {
		t.Errorf("DEBUG DIGEST master %v, follower %v", md, rd)
	}
	t.Log(rp.LogTail(6))
	if !strings.Contains(rp.Log(), "loaded 100000 keys") {
		t.Errorf("log:\n%s", rp.LogTail(20))
	}
}

// Keys already expired in the RDB are kept, hidden from reads, until the
// master's DEL arrives; the follower never expires keys itself.
func TestFollowerKeepsExpiredKeysUntilMasterDel(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes", "repl-diskless-sync-delay 0")
	mc := redistest.Dial(t, master.Addr)
	mc.MustOK("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	mc.MustOK("SET", "gone", "v", "PX", "100")
	mc.MustOK("SET", "later", "v", "PX", "1500")
	mc.MustOK("SET", "keep", "v")
	time.Sleep(200 * time.Millisecond)
	rp := startFollower(t, master, t.TempDir())
	rc := redistest.Dial(t, rp.Addr)
	waitSynced(t, mc, rc)
	if v := rc.DoValue("DBSIZE"); v.Int != 3 {
		t.Errorf("DBSIZE %v, want 3 (the expired key is kept)", v)
	}
	if v := rc.DoValue("GET", "gone"); !v.Null {
		t.Errorf("GET of an expired key = %v", v)
	}
	if v := rc.DoValue("EXISTS", "gone"); v.Int != 0 {
		t.Errorf("EXISTS = %v", v)
	}
	// "later" expires on the follower's clock while the master's active
	// expiry is off: still counted, never deleted by the follower.
	time.Sleep(1600 * time.Millisecond)
	if v := rc.DoValue("DBSIZE"); v.Int != 3 {
		t.Errorf("DBSIZE %v after the TTL passed: the follower must not expire keys", v)
	}
	// The master's lazy expiry propagates DEL.
	mc.Do("GET", "gone")
	mc.Do("GET", "later")
	waitSynced(t, mc, rc)
	if v := rc.DoValue("DBSIZE"); v.Int != 1 {
		t.Errorf("DBSIZE %v after the master's DELs", v)
	}
}

// A standalone node with data of its own becomes a replica at run time
// (masterauth against a master with requirepass), its data replaced by the
// master's, then is promoted back with REPLICAOF NO ONE.
func TestFollowerReplicaofAtRuntimeWithAuth(t *testing.T) {
	requireFollower(t)
	master := redistest.StartRedis(t, "enable-debug-command yes", "requirepass s3cret", "repl-diskless-sync-delay 0")
	mc := redistest.Dial(t, master.Addr)
	mc.MustOK("AUTH", "s3cret")
	fillStrings(t, mc, 100, "m")
	bin := redistest.BuildRedpebble(t)
	rp := redistest.StartRedpebble(t, bin, t.TempDir(), "--enable-debug-command", "yes")
	rc := redistest.Dial(t, rp.Addr)
	rc.MustOK("SET", "local", "1")
	if v := rc.DoValue("ROLE"); v.Elems[0].Str != "master" {
		t.Fatalf("ROLE %v", v)
	}
	rc.MustOK("CONFIG", "SET", "masterauth", "s3cret")
	rc.MustOK("REPLICAOF", "127.0.0.1", strconv.Itoa(master.Port))
	if v := rc.DoValue("CONFIG", "GET", "replicaof"); len(v.Elems) != 2 || v.Elems[1].Str != "127.0.0.1 "+strconv.Itoa(master.Port) {
		t.Errorf("CONFIG GET replicaof %v", v)
	}
	if got := string(rc.Do("REPLICAOF", "127.0.0.1", strconv.Itoa(master.Port))); got != "+OK Already connected to specified master\r\n" {
		t.Errorf("second REPLICAOF: %q", got)
	}
	waitSynced(t, mc, rc)
	if v := rc.DoValue("EXISTS", "local"); v.Int != 0 {
		t.Errorf("local key survived the full sync")
	}
	compareData(t, mc, rc)
	id := info(t, rc, "replication")["master_replid"]
	off := info(t, rc, "replication")["master_repl_offset"]
	rc.MustOK("REPLICAOF", "NO", "ONE")
	r := info(t, rc, "replication")
	o, _ := strconv.Atoi(off)
	if r["role"] != "master" || r["master_replid2"] != id || r["second_repl_offset"] != strconv.Itoa(o+1) || r["master_replid"] == id {
		t.Errorf("after REPLICAOF NO ONE: %v (old id %s offset %s)", r, id, off)
	}
	rc.MustOK("SET", "writable", "1")
	if v := rc.DoValue("CONFIG", "GET", "replicaof"); len(v.Elems) != 2 || v.Elems[1].Str != "" {
		t.Errorf("CONFIG GET replicaof after NO ONE: %v", v)
	}
}
